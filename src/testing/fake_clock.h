// FakeClock: a clock that moves only when a test says so.
#pragma once

#include <atomic>
#include <chrono>

#include "base/clock.h"

namespace mh::testing {

// Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_ms = 1'764'000'000'000) : ms_(unix_ms) {}

  SystemTime Now() const override { return FromUnixMillis(ms_.load()); }
  SteadyTime Steady() const override { return SteadyTime(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace mh::testing
