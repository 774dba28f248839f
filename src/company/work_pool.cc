#include "company/work_pool.h"

#include <exception>

#include "base/log.h"

namespace mh::company {

WorkPool::WorkPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkPool::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(work));
  }
  wake_.notify_one();
}

void WorkPool::Loop() {
  while (true) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Closing and drained.
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    // A thread entry point: nothing may escape it.
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("company: posted work threw: {}", e.what());
    } catch (...) {
      spdlog::error("company: posted work threw a non-standard exception");
    }
  }
}

}  // namespace mh::company
