// CurlTransport: every request on one event-loop thread, via curl_multi_socket_action and
// epoll. Threading model: Start, Cancel and RunAfter may come from any thread; they append
// a command to a locked queue and wake the loop through an eventfd. Everything else (the
// multi handle, the transfers, the timer heap) belongs to the loop thread alone.
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "llm/curl_shard.h"
#include "llm/curl_transfer.h"
#include "llm/http_transport.h"

namespace mh::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Owns a file descriptor.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    MH_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
    // Thousands of requests in flight need thousands of sockets.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  });
}

// A loop timer: a deadline check for a transfer (fn empty) or a RunAfter callback.
struct Timer {
  SteadyTime due;
  uint64_t seq;
  RequestId transfer;
  std::function<void()> fn;
};
struct LaterFirst {
  bool operator()(const Timer& a, const Timer& b) const {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }
};

// Transfers per libcurl multi handle (see curl_shard.h), and the idle connections each
// may keep. 10,000 requests in flight make 40 shards.
constexpr size_t kTransfersPerShard = 256;
constexpr long kCachedConnectionsPerShard = 2 * kTransfersPerShard;
constexpr uint64_t kWakeKey = ~uint64_t{0};

struct Command {
  enum class Kind { kStart, kCancel, kRunAfter };
  explicit Command(Kind k) : kind(k) {}
  Kind kind;
  RequestId id = 0;
  std::unique_ptr<CurlTransfer> transfer;
  SteadyTime due;
  std::function<void()> fn;
};

class CurlTransport final : public HttpTransport, private DeadlineListener {
 public:
  CurlTransport();
  ~CurlTransport() override;

  RequestId Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) override;
  void Cancel(RequestId id) override;
  void RunAfter(milliseconds delay, std::function<void()> fn) override;

 private:
  struct Entry {
    std::unique_ptr<CurlTransfer> transfer;
    CurlShard* shard;
  };

  void OnDeadlineEarlier(RequestId id, SteadyTime deadline) override;

  void Enqueue(Command command);
  void Loop();
  int WaitMillis() const;
  void HandleEvent(const epoll_event& event);
  // Returns false once the transport is stopping.
  bool RunCommands();
  void StartTransfer(std::unique_ptr<CurlTransfer> transfer);
  CurlShard& ShardWithRoom();
  void RunDueTimers();
  void ReapFinished();
  void Finish(RequestId id, Status status);
  void Shutdown();

  ScopedFd epoll_fd_;
  ScopedFd wake_fd_;
  std::atomic<RequestId> next_id_{1};

  std::mutex mu_;
  std::vector<Command> commands_;  // GUARDED_BY(mu_)
  bool stopping_ = false;          // GUARDED_BY(mu_)
  bool closed_ = false;            // GUARDED_BY(mu_): the loop has exited.

  // Loop thread only.
  std::vector<std::unique_ptr<CurlShard>> shards_;
  std::unordered_map<RequestId, Entry> transfers_;
  std::vector<Timer> timers_;  // A heap, soonest on top.
  uint64_t timer_seq_ = 0;

  std::thread thread_;  // Last: starts after everything above exists.
};

CurlTransport::CurlTransport()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  InitCurlOnce();
  MH_CHECK(epoll_fd_.get() >= 0 && wake_fd_.get() >= 0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  MH_CHECK(epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) == 0);
  thread_ = std::thread([this] { Loop(); });
}

CurlTransport::~CurlTransport() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof(one));
  thread_.join();
  shards_.clear();  // After every transfer has left its multi handle (Shutdown).
}

RequestId CurlTransport::Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) {
  RequestId id = next_id_.fetch_add(1);
  auto transfer = std::make_unique<CurlTransfer>(id, std::move(request), std::move(handler));
  Command command(Command::Kind::kStart);
  command.id = id;
  command.transfer = std::move(transfer);
  Enqueue(std::move(command));
  return id;
}

void CurlTransport::Cancel(RequestId id) {
  Command command(Command::Kind::kCancel);
  command.id = id;
  Enqueue(std::move(command));
}

void CurlTransport::RunAfter(milliseconds delay, std::function<void()> fn) {
  Command command(Command::Kind::kRunAfter);
  command.due = steady_clock::now() + delay;
  command.fn = std::move(fn);
  Enqueue(std::move(command));
}

void CurlTransport::Enqueue(Command command) {
  bool wake = false;
  std::unique_ptr<CurlTransfer> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      refused = std::move(command.transfer);
    } else {
      wake = commands_.empty();
      commands_.push_back(std::move(command));
    }
  }
  if (refused) {
    // The loop has exited (a handler of a dying transport starting anew): answer here.
    refused->Finish(CancelledError("HTTP transport shut down"));
    return;
  }
  if (wake) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof(one));
  }
}

void CurlTransport::Loop() {
  std::vector<epoll_event> events(256);
  while (true) {
    int n =
        epoll_wait(epoll_fd_.get(), events.data(), static_cast<int>(events.size()), WaitMillis());
    for (int i = 0; i < n; ++i) HandleEvent(events[i]);
    if (!RunCommands()) break;
    SteadyTime now = steady_clock::now();
    for (auto& shard : shards_) shard->RunTimeoutIfDue(now);
    ReapFinished();
    RunDueTimers();
  }
  Shutdown();
}

int CurlTransport::WaitMillis() const {
  std::optional<SteadyTime> due;
  for (const auto& shard : shards_) {
    if (shard->due() && (!due || *shard->due() < *due)) due = shard->due();
  }
  if (!timers_.empty() && (!due || timers_.front().due < *due)) due = timers_.front().due;
  if (!due) return -1;
  auto wait = std::chrono::ceil<milliseconds>(*due - steady_clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
}

void CurlTransport::HandleEvent(const epoll_event& event) {
  if (event.data.u64 == kWakeKey) {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t n = read(wake_fd_.get(), &count, sizeof(count));
    return;
  }
  uint32_t index = CurlShard::IndexOf(event.data.u64);
  if (index < shards_.size()) {
    shards_[index]->OnSocketEvent(CurlShard::FdOf(event.data.u64), event.events);
  }
}

bool CurlTransport::RunCommands() {
  std::vector<Command> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    batch.swap(commands_);
  }
  for (Command& c : batch) {
    switch (c.kind) {
      case Command::Kind::kStart:
        StartTransfer(std::move(c.transfer));
        break;
      case Command::Kind::kCancel:
        if (transfers_.count(c.id) != 0) Finish(c.id, CancelledError("HTTP request cancelled"));
        break;
      case Command::Kind::kRunAfter:
        timers_.push_back({c.due, timer_seq_++, 0, std::move(c.fn)});
        std::push_heap(timers_.begin(), timers_.end(), LaterFirst());
        break;
    }
  }
  return true;
}

void CurlTransport::StartTransfer(std::unique_ptr<CurlTransfer> transfer) {
  if (!transfer->setup_error().ok()) {
    transfer->Finish(transfer->setup_error());
    return;
  }
  RequestId id = transfer->id();
  CurlTransfer* raw = transfer.get();
  CurlShard& shard = ShardWithRoom();
  transfers_.emplace(id, Entry{std::move(transfer), &shard});
  raw->Begin(steady_clock::now(), this);
  CURLMcode rc = shard.Add(raw->easy());
  if (rc != CURLM_OK) {
    auto it = transfers_.find(id);
    std::unique_ptr<CurlTransfer> failed = std::move(it->second.transfer);
    transfers_.erase(it);  // Never joined the multi: nothing to remove there.
    failed->Finish(InternalError(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc)));
  }
}

CurlShard& CurlTransport::ShardWithRoom() {
  // The first shard with room: a lone caller always lands on shard 0 and reuses its
  // connections; a burst spreads over as many shards as it needs.
  for (auto& shard : shards_) {
    if (shard->in_flight() < kTransfersPerShard) return *shard;
  }
  shards_.push_back(std::make_unique<CurlShard>(
      epoll_fd_.get(), static_cast<uint32_t>(shards_.size()), kCachedConnectionsPerShard));
  return *shards_.back();
}

void CurlTransport::OnDeadlineEarlier(RequestId id, SteadyTime deadline) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  it->second.transfer->set_armed_at(deadline);
  timers_.push_back({deadline, timer_seq_++, id, nullptr});
  std::push_heap(timers_.begin(), timers_.end(), LaterFirst());
}

void CurlTransport::RunDueTimers() {
  SteadyTime now = steady_clock::now();
  while (!timers_.empty() && timers_.front().due <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), LaterFirst());
    Timer timer = std::move(timers_.back());
    timers_.pop_back();
    if (timer.fn) {
      timer.fn();
      continue;
    }
    auto it = transfers_.find(timer.transfer);
    if (it == transfers_.end() || it->second.transfer->armed_at() != timer.due) continue;
    CurlTransfer& transfer = *it->second.transfer;
    transfer.set_armed_at(std::nullopt);
    Status expired = transfer.CheckDeadlines(now);
    if (!expired.ok()) {
      Finish(timer.transfer, std::move(expired));
    } else if (std::optional<SteadyTime> next = transfer.NextDeadline()) {
      OnDeadlineEarlier(timer.transfer, *next);  // Moved later (data arrived): re-arm.
    }
  }
}

void CurlTransport::ReapFinished() {
  // Read every message first: curl_multi_remove_handle scans the pending messages, so
  // removing while many are queued (a burst finishing at once) would be quadratic.
  std::vector<std::pair<CURL*, CURLcode>> finished;
  for (auto& shard : shards_) shard->TakeFinished(finished);
  for (const auto& [easy, code] : finished) {
    CurlTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    Finish(transfer->id(), transfer->StatusFromCurl(code));
  }
}

void CurlTransport::Finish(RequestId id, Status status) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  std::unique_ptr<CurlTransfer> transfer = std::move(it->second.transfer);
  CurlShard* shard = it->second.shard;
  transfers_.erase(it);
  shard->Remove(transfer->easy());
  transfer->Finish(std::move(status));
}

void CurlTransport::Shutdown() {
  std::vector<RequestId> ids;
  for (const auto& [id, transfer] : transfers_) ids.push_back(id);
  for (RequestId id : ids) Finish(id, CancelledError("HTTP transport shut down"));
  // Handlers told of the shutdown may queue more work; refuse it until none is left.
  while (true) {
    std::vector<Command> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(commands_);
      if (batch.empty() && timers_.empty()) {
        closed_ = true;
        return;
      }
    }
    for (Command& c : batch) {
      if (c.transfer) c.transfer->Finish(CancelledError("HTTP transport shut down"));
    }
    std::vector<Timer> dropped;
    dropped.swap(timers_);  // RunAfter callbacks are dropped, never run.
  }
}

}  // namespace

std::unique_ptr<HttpTransport> NewCurlTransport() { return std::make_unique<CurlTransport>(); }

}  // namespace mh::llm
