// Clock: the source of time, handed to everything that reads it, so tests use a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mh {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// Thread-safe. Now() is wall time for records; Steady() is for deadlines and durations.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime Now() const = 0;
  virtual SteadyTime Steady() const = 0;
};

class RealClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  SteadyTime Steady() const override { return std::chrono::steady_clock::now(); }
};

// The process-wide real clock.
Clock& SystemClock();

// Milliseconds since the Unix epoch.
int64_t ToUnixMillis(SystemTime t);
SystemTime FromUnixMillis(int64_t ms);
// "2026-11-26T03:47:20.123Z".
std::string FormatRfc3339(SystemTime t);

}  // namespace mh
