// Watchdog: runs a callback when an armed deadline passes. Internal to desktop/.
// Thread-safe; the callback runs on the watchdog's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace mh::desktop {

class Watchdog {
 public:
  explicit Watchdog(std::function<void()> on_expiry);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Arm(std::chrono::milliseconds limit);
  void Disarm();
  // True once the callback has run.
  bool fired() const;

 private:
  void Loop();

  std::function<void()> on_expiry_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // Guarded by mutex_.
  bool fired_ = false;                                             // Guarded by mutex_.
  bool stop_ = false;                                              // Guarded by mutex_.
  std::thread thread_;  // Last: started after the state above exists.
};

// Arms `watchdog` for one scope.
class ArmedScope {
 public:
  ArmedScope(Watchdog& watchdog, std::chrono::milliseconds limit) : watchdog_(watchdog) {
    watchdog_.Arm(limit);
  }
  ~ArmedScope() { watchdog_.Disarm(); }
  ArmedScope(const ArmedScope&) = delete;
  ArmedScope& operator=(const ArmedScope&) = delete;

 private:
  Watchdog& watchdog_;
};

}  // namespace mh::desktop
