#include "base/ids.h"

namespace mh {
namespace {
constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base 32.
constexpr int kTimeChars = 9;
constexpr int kRandomChars = 7;
}  // namespace

IdGenerator::IdGenerator(const Clock& clock, uint64_t seed)
    : clock_(clock), rng_(seed != 0 ? seed : std::random_device{}()) {}

std::string IdGenerator::Next(std::string_view prefix) {
  uint64_t ms = static_cast<uint64_t>(ToUnixMillis(clock_.Now()));
  std::string id(prefix);
  id += '_';
  char time_part[kTimeChars];
  for (int i = kTimeChars - 1; i >= 0; --i) {
    time_part[i] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  id.append(time_part, kTimeChars);
  std::lock_guard lock(mutex_);
  uint64_t r = rng_();
  for (int i = 0; i < kRandomChars; ++i) {
    id += kAlphabet[r & 31];
    r >>= 5;
  }
  return id;
}

std::string NewId(std::string_view prefix) {
  static IdGenerator generator(SystemClock());
  return generator.Next(prefix);
}

}  // namespace mh
