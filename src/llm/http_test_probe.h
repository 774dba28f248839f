// Probe: what a test's HttpHandler heard, with a bounded wait for the end. Test-only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "llm/http_transport.h"

namespace mh::llm::test {

struct Outcome {
  std::optional<HttpResponseHead> head;
  int heads = 0;
  std::string body;
  bool data_before_head = false;
  std::optional<Status> done;
  std::thread::id thread;
};

class Probe {
 public:
  // Runs on the loop thread for each body piece; returning false aborts the transfer.
  std::function<bool(std::string_view)> on_data;
  // Runs on the loop thread when the first body piece arrives.
  std::function<void()> on_first_data;

  void Record(const std::function<void(Outcome&)>& change) {
    std::lock_guard<std::mutex> lock(mu_);
    change(outcome_);
    cv_.notify_all();
  }
  // The outcome once OnDone has come, or nullopt after 10 s.
  std::optional<Outcome> WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return outcome_.done.has_value(); })) {
      return std::nullopt;
    }
    return outcome_;
  }
  bool WaitFirstData() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !outcome_.body.empty(); });
  }
  Outcome Snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcome_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Outcome outcome_;  // GUARDED_BY(mu_)
};

class ProbeHandler final : public HttpHandler {
 public:
  explicit ProbeHandler(std::shared_ptr<Probe> probe) : probe_(std::move(probe)) {}
  void OnHead(const HttpResponseHead& head) override {
    probe_->Record([&](Outcome& o) {
      o.head = head;
      ++o.heads;
    });
  }
  bool OnData(std::string_view bytes) override {
    bool first = false;
    probe_->Record([&](Outcome& o) {
      first = o.body.empty();
      if (!o.head) o.data_before_head = true;
      o.body.append(bytes);
    });
    if (first && probe_->on_first_data) probe_->on_first_data();
    return probe_->on_data ? probe_->on_data(bytes) : true;
  }
  void OnDone(Status status) override {
    probe_->Record([&](Outcome& o) {
      o.done = std::move(status);
      o.thread = std::this_thread::get_id();
    });
  }

 private:
  std::shared_ptr<Probe> probe_;
};

inline std::unique_ptr<HttpHandler> HandlerFor(std::shared_ptr<Probe> probe) {
  return std::make_unique<ProbeHandler>(std::move(probe));
}

}  // namespace mh::llm::test
