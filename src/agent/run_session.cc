// RunSession: the blocking driver. The session's work is queued and run on the calling
// thread; model calls complete on the transport's loop thread, which only enqueues.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "agent/session.h"

namespace mh::agent {
namespace {

// A work queue drained by one thread. Shared with the executor closure, which a model
// observer may still hold briefly after the session ended.
struct WorkQueue {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::function<void()>> work;  // Guarded by mutex.
  std::optional<SessionResult> result;     // Guarded by mutex.

  void Post(std::function<void()> fn) {
    std::lock_guard lock(mutex);
    work.push_back(std::move(fn));
    ready.notify_one();
  }
};

}  // namespace

SessionResult RunSession(Session& session, std::stop_token stop) {
  // shared_ptr: the executor closure is copied into the session and into observers; the
  // queue must stay valid for whichever is destroyed last.
  auto queue = std::make_shared<WorkQueue>();
  std::stop_callback on_stop(stop, [&session] { session.Cancel(); });
  session.Start([queue](std::function<void()> fn) { queue->Post(std::move(fn)); },
                [queue](const SessionResult& result) {
                  std::lock_guard lock(queue->mutex);
                  queue->result = result;
                });
  std::unique_lock lock(queue->mutex);
  while (!queue->result) {
    // No deadline here: a model call is bounded by its transport's timeouts, a tool by
    // its time limit, and a stop request cancels the call in flight.
    queue->ready.wait(lock, [&] { return !queue->work.empty() || queue->result; });
    while (!queue->work.empty()) {
      std::function<void()> fn = std::move(queue->work.front());
      queue->work.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  return *queue->result;
}

}  // namespace mh::agent
