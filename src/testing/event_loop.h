// EventLoop: one epoll instance with timers and a cross-thread wake-up, run by one thread.
//
// The fake LLM server's only thread runs Run(); everything else (Watch, timers) is called
// from that thread, from inside handlers. Stop() may be called from any thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace mh::testing {

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

class EventLoop {
 public:
  using Handler = std::function<void(uint32_t events)>;
  using TimerCallback = std::function<void()>;
  using TimerId = uint64_t;
  using Time = std::chrono::steady_clock::time_point;

  // Errors: kUnavailable when epoll or eventfd cannot be created.
  static Result<std::unique_ptr<EventLoop>> Create();

  // Calls `handler` with the epoll event mask whenever `fd` is ready for `events`
  // (level-triggered). `fd` stays owned by the caller and must be unwatched before it
  // is closed. Errors: kInternal from epoll_ctl.
  Status Watch(int fd, uint32_t events, Handler handler);
  Status Modify(int fd, uint32_t events);
  void Unwatch(int fd);

  // Runs `callback` once on the loop thread at `when` (or soon after). Returns an id for
  // CancelTimer. Timers live in a heap: no thread and no fd per timer.
  TimerId AddTimer(Time when, TimerCallback callback);
  void CancelTimer(TimerId id);

  // Runs until Stop(). Handlers and timers run on the calling thread.
  void Run();
  // Thread-safe: makes Run() return soon.
  void Stop();

 private:
  struct Watched {
    uint32_t generation;
    Handler handler;
  };
  struct HeapEntry {
    Time when;
    TimerId id;
    bool operator>(const HeapEntry& o) const { return when > o.when; }
  };

  EventLoop(UniqueFd epoll_fd, UniqueFd wake_fd);
  int NextTimeoutMs() const;
  void RunDueTimers();

  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::atomic<bool> stop_{false};
  uint32_t next_generation_ = 1;
  std::unordered_map<int, Watched> watched_;
  TimerId next_timer_ = 1;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap_;
  std::unordered_map<TimerId, TimerCallback> timers_;  // Absent ids are cancelled.
};

}  // namespace mh::testing
