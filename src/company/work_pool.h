// WorkPool: a fixed set of threads running posted work in order of posting.
//
// Sessions post their steps here (agent::Executor) and gates their jobs. Destruction
// runs the work already posted, then joins. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mh::company {

class WorkPool {
 public:
  explicit WorkPool(int threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void Post(std::function<void()> work);

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;  // Guarded by mutex_.
  bool closing_ = false;                     // Guarded by mutex_.
  std::vector<std::thread> threads_;
};

}  // namespace mh::company
