// Ids: short, unique, time-ordered strings such as "ses_0h5kq3m2x7f9ab".
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace mh {

// Makes ids of the form PREFIX_TTTTTTTTTRRRRRRR: the time in milliseconds (base 32,
// so ids sort by creation) then random characters. Thread-safe.
class IdGenerator {
 public:
  // `clock` must outlive the generator. `seed` 0 seeds from the system.
  explicit IdGenerator(const Clock& clock, uint64_t seed = 0);

  std::string Next(std::string_view prefix);

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::mt19937_64 rng_;  // Guarded by mutex_.
};

// A process-wide generator on the real clock.
std::string NewId(std::string_view prefix);

}  // namespace mh
