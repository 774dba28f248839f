// Benchmark 2: N concurrent streaming Chat Completions requests through CurlTransport
// against mh-fake-llm (a child process) whose every reply waits `delay-ms` first.
// Prints the wall time from the first Start to the last OnDone, and the client's resident
// memory growth per request in flight.
//
//   llm_concurrency_bench [--requests 10000] [--delay-ms 1000] [--fake-llm PATH]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "bench_util.h"
#include "fake_llm_process.h"
#include "llm/http_transport.h"
#include "llm/sse.h"

namespace mh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Tally {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;                       // GUARDED_BY(mu)
  int complete = 0;                   // GUARDED_BY(mu): HTTP 200, whole, ended with [DONE].
  std::map<std::string, int> errors;  // GUARDED_BY(mu)
  Clock::time_point last_done;        // GUARDED_BY(mu)
};

// Parses the stream as a provider would, and counts whole replies.
class StreamHandler final : public llm::HttpHandler {
 public:
  explicit StreamHandler(Tally& tally) : tally_(tally) {}
  void OnHead(const llm::HttpResponseHead& head) override { status_ = head.status; }
  bool OnData(std::string_view bytes) override {
    // A stream past the parser's caps stops the transfer, as a provider would.
    Status fed = parser_.Feed(bytes, [&](llm::SseEvent&& e) {
      ++events_;
      if (e.data == "[DONE]") saw_done_ = true;
    });
    return fed.ok();
  }
  void OnDone(Status status) override {
    std::lock_guard<std::mutex> lock(tally_.mu);
    ++tally_.done;
    if (status.ok() && status_ == 200 && saw_done_ && !parser_.HasPartialEvent() && events_ > 2) {
      ++tally_.complete;
    } else {
      ++tally_.errors[status.ok() ? "HTTP " + std::to_string(status_) : status.ToString()];
    }
    tally_.last_done = Clock::now();
    tally_.cv.notify_all();
  }

 private:
  Tally& tally_;
  llm::SseParser parser_;
  int status_ = 0;
  int events_ = 0;
  bool saw_done_ = false;
};

llm::HttpRequest ChatRequest(const std::string& base_url) {
  llm::HttpRequest request;
  request.url = base_url + "/v1/chat/completions";
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-bench-not-a-real-key"}};
  request.body = R"({"model":"fake-model","stream":true,"stream_options":{"include_usage":true},)"
                 R"("messages":[{"role":"user","content":"Say something short."}]})";
  return request;
}

// Runs `n` requests at once; returns false when not all of them finished whole.
bool Run(llm::HttpTransport& transport, const std::string& base_url, int n, int delay_ms) {
  Tally tally;
  long rss_before = ProcStatusKiB("VmRSS");
  std::atomic<long> rss_in_flight{0};
  // Halfway through the server's delay every request is in flight: sample then.
  transport.RunAfter(std::chrono::milliseconds(delay_ms * 9 / 10),
                     [&] { rss_in_flight = ProcStatusKiB("VmRSS"); });
  Clock::time_point start = Clock::now();
  for (int i = 0; i < n; ++i) {
    transport.Start(ChatRequest(base_url), std::make_unique<StreamHandler>(tally));
  }
  Clock::time_point started = Clock::now();
  std::unique_lock<std::mutex> lock(tally.mu);
  tally.cv.wait(lock, [&] { return tally.done == n; });
  double wall = std::chrono::duration<double>(tally.last_done - start).count();
  double start_all = std::chrono::duration<double>(started - start).count();
  long hwm = ProcStatusKiB("VmHWM");
  std::printf("requests            %d (server delay %d ms)\n", n, delay_ms);
  std::printf("whole replies       %d\n", tally.complete);
  for (const auto& [what, count] : tally.errors)
    std::printf("  failed %5d  %s\n", count, what.c_str());
  std::printf("wall, first Start to last OnDone   %.3f s (Start x%d took %.3f s)\n", wall, n,
              start_all);
  std::printf("RSS before %ld KiB, at 90%% of delay %ld KiB, peak (VmHWM) %ld KiB\n", rss_before,
              rss_in_flight.load(), hwm);
  std::printf("memory per request in flight        %.1f KiB (peak growth / requests)\n",
              static_cast<double>(hwm - rss_before) / n);
  return tally.complete == n;
}

}  // namespace
}  // namespace mh::bench

int main(int argc, char** argv) {
  using namespace mh::bench;
  int n = std::stoi(Flag(argc, argv, "requests", "10000"));
  int delay_ms = std::stoi(Flag(argc, argv, "delay-ms", "1000"));
  std::string binary = Flag(argc, argv, "fake-llm", DefaultFakeLlmPath());
  std::string scenario =
      R"({"name":"load","turns":[{"text":"A short streamed answer for the load test.","delay_ms":)" +
      std::to_string(delay_ms) + "}]}";
  FakeLlmProcess server(binary, scenario);
  auto transport = mh::llm::NewCurlTransport();
  // Warm up: libcurl's global state, the loop thread, the first allocations.
  if (!Run(*transport, server.base_url(), 10, 0)) return 1;
  std::printf("---\n");
  return Run(*transport, server.base_url(), n, delay_ms) ? 0 : 1;
}
