#include "testing/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mh::testing {
namespace {

constexpr int kMaxEvents = 256;
// data.u64 of an epoll event: the generation of the watch in the high half, the fd in the
// low half, so an event for a closed fd whose number was reused is recognised as stale.
uint64_t Token(int fd, uint32_t generation) {
  return (uint64_t{generation} << 32) | static_cast<uint32_t>(fd);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  UniqueFd epoll_fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd.valid()) return UnavailableError(std::string("epoll_create1: ") + strerror(errno));
  UniqueFd wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd.valid()) return UnavailableError(std::string("eventfd: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = Token(wake_fd.get(), 0);
  if (::epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, wake_fd.get(), &ev) != 0) {
    return UnavailableError(std::string("epoll_ctl: ") + strerror(errno));
  }
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll_fd), std::move(wake_fd)));
}

EventLoop::EventLoop(UniqueFd epoll_fd, UniqueFd wake_fd)
    : epoll_fd_(std::move(epoll_fd)), wake_fd_(std::move(wake_fd)) {}

Status EventLoop::Watch(int fd, uint32_t events, Handler handler) {
  uint32_t generation = next_generation_++;
  if (next_generation_ == 0) next_generation_ = 1;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = Token(fd, generation);
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return InternalError(std::string("epoll_ctl add: ") + strerror(errno));
  }
  watched_[fd] = Watched{generation, std::move(handler)};
  return Status::Ok();
}

Status EventLoop::Modify(int fd, uint32_t events) {
  auto it = watched_.find(fd);
  if (it == watched_.end()) return InternalError("epoll modify of an unwatched fd");
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = Token(fd, it->second.generation);
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return InternalError(std::string("epoll_ctl mod: ") + strerror(errno));
  }
  return Status::Ok();
}

void EventLoop::Unwatch(int fd) {
  if (watched_.erase(fd) > 0) ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::AddTimer(Time when, TimerCallback callback) {
  TimerId id = next_timer_++;
  heap_.push(HeapEntry{when, id});
  timers_.emplace(id, std::move(callback));
  return id;
}

void EventLoop::CancelTimer(TimerId id) { timers_.erase(id); }

void EventLoop::Stop() {
  stop_.store(true);
  uint64_t one = 1;
  // A full eventfd counter still wakes the loop, so a failed write loses nothing.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof(one));
}

int EventLoop::NextTimeoutMs() const {
  if (heap_.empty()) return -1;
  auto wait = heap_.top().when - std::chrono::steady_clock::now();
  if (wait <= wait.zero()) return 0;
  // Round up so a timer never fires early.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

void EventLoop::RunDueTimers() {
  Time now = std::chrono::steady_clock::now();
  while (!heap_.empty() && heap_.top().when <= now) {
    TimerId id = heap_.top().id;
    heap_.pop();
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // Cancelled.
    TimerCallback callback = std::move(it->second);
    timers_.erase(it);
    callback();
  }
  // Drop cancelled entries at the top so they do not cause early wake-ups.
  while (!heap_.empty() && !timers_.contains(heap_.top().id)) heap_.pop();
}

void EventLoop::Run() {
  epoll_event events[kMaxEvents];
  while (!stop_.load()) {
    int n = ::epoll_wait(epoll_fd_.get(), events, kMaxEvents, NextTimeoutMs());
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n && !stop_.load(); ++i) {
      int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      auto generation = static_cast<uint32_t>(events[i].data.u64 >> 32);
      if (fd == wake_fd_.get() && generation == 0) {
        uint64_t value;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_.get(), &value, sizeof(value));
        continue;
      }
      auto it = watched_.find(fd);
      if (it == watched_.end() || it->second.generation != generation) continue;
      // Copy: the handler may unwatch its own fd, destroying the stored function.
      Handler handler = it->second.handler;
      handler(events[i].events);
    }
    RunDueTimers();
  }
}

}  // namespace mh::testing
