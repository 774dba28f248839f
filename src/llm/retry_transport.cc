// RetryingTransport. Threading model: Start and Cancel only post work to the inner
// transport's loop (inner.RunAfter(0)); every RetryState is then touched on that loop
// thread alone, so it needs no lock. The shared Core (the map of live requests and the
// jitter RNG) is locked.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <mutex>
#include <random>
#include <unordered_map>

#include "llm/http_transport.h"

namespace mh::llm {
namespace {

using std::chrono::milliseconds;

bool IsRetryableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

// How much of a retryable error's body is kept for HttpRequest::retryable to read.
constexpr size_t kMaxHeldErrorBody = 64 << 10;

class RetryState;

// What outlives the RetryingTransport while requests still run: they reach it through it.
struct Core {
  Core(HttpTransport& inner, RetryPolicy policy, const Clock& clock, uint64_t seed)
      : inner(inner), policy(policy), clock(clock), rng(seed) {}

  // A uniform draw from [-1, 1].
  double NextUnit() {
    std::lock_guard<std::mutex> lock(mu);
    return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
  }

  HttpTransport& inner;
  const RetryPolicy policy;
  const Clock& clock;
  std::atomic<RequestId> next_id{1};
  std::mutex mu;
  std::mt19937_64 rng;                                              // GUARDED_BY(mu)
  std::unordered_map<RequestId, std::shared_ptr<RetryState>> live;  // GUARDED_BY(mu)
};

// One outer request across its attempts. Loop thread only (see the file comment).
// Shared: by the live map (for Cancel), the current attempt's handler and pending timers.
class RetryState : public std::enable_shared_from_this<RetryState> {
 public:
  RetryState(std::shared_ptr<Core> core, RequestId id, HttpRequest request,
             std::unique_ptr<HttpHandler> user)
      : core_(std::move(core)), id_(id), request_(std::move(request)), user_(std::move(user)) {}
  ~RetryState() {
    // Dropped unfinished (the inner transport died with a wait pending): still answer once.
    if (user_) user_->OnDone(CancelledError("HTTP request dropped by its transport"));
  }

  void Launch();
  void Cancel();
  void OnHead(const HttpResponseHead& head);
  bool OnData(std::string_view bytes);
  void OnDone(Status status);

 private:
  enum class Phase { kIdle, kInFlight, kWaiting, kDone };

  std::optional<milliseconds> NextWait(std::optional<milliseconds> retry_after);
  void WaitThenRetry(milliseconds wait);
  void Deliver(Status status);

  std::shared_ptr<Core> core_;
  const RequestId id_;
  const HttpRequest request_;
  std::unique_ptr<HttpHandler> user_;
  Phase phase_ = Phase::kIdle;
  bool cancel_requested_ = false;
  RequestId inner_id_ = 0;
  int attempts_ = 0;
  milliseconds waited_{0};
  // The current attempt.
  std::optional<HttpResponseHead> held_head_;      // Not yet shown to the user.
  std::optional<milliseconds> swallow_then_wait_;  // Set: a retryable reply, to be hidden.
  std::string held_body_;  // The body of that reply, in case it is not worth retrying.
  bool body_seen_ = false;
};

// The inner transport's handler for one attempt.
class AttemptHandler final : public HttpHandler {
 public:
  explicit AttemptHandler(std::shared_ptr<RetryState> state) : state_(std::move(state)) {}
  void OnHead(const HttpResponseHead& head) override { state_->OnHead(head); }
  bool OnData(std::string_view bytes) override { return state_->OnData(bytes); }
  void OnDone(Status status) override { state_->OnDone(std::move(status)); }

 private:
  std::shared_ptr<RetryState> state_;
};

void RetryState::Launch() {
  if (phase_ == Phase::kDone) return;
  if (cancel_requested_) return Deliver(CancelledError("HTTP request cancelled"));
  ++attempts_;
  phase_ = Phase::kInFlight;
  held_head_.reset();
  swallow_then_wait_.reset();
  held_body_.clear();
  body_seen_ = false;
  inner_id_ = core_->inner.Start(request_, std::make_unique<AttemptHandler>(shared_from_this()));
}

void RetryState::Cancel() {
  cancel_requested_ = true;
  if (phase_ == Phase::kInFlight) {
    core_->inner.Cancel(inner_id_);  // Its OnDone(kCancelled) reaches the user.
  } else if (phase_ == Phase::kWaiting) {
    Deliver(CancelledError("HTTP request cancelled while waiting to retry"));
  }
}

void RetryState::OnHead(const HttpResponseHead& head) {
  if (cancel_requested_) return;
  if (IsRetryableStatus(head.status)) {
    std::optional<milliseconds> retry_after;
    if (const std::string* value = head.Find("retry-after")) {
      retry_after = ParseRetryAfter(*value, core_->clock.Now());
    }
    swallow_then_wait_ = NextWait(retry_after);
  }
  held_head_ = head;
  held_head_->attempts = attempts_;
}

bool RetryState::OnData(std::string_view bytes) {
  if (cancel_requested_) return false;  // Cancel() is on its way to the inner transport.
  if (swallow_then_wait_) {  // The body of a reply that will be retried (or not: OnDone).
    size_t room = kMaxHeldErrorBody - std::min(kMaxHeldErrorBody, held_body_.size());
    held_body_.append(bytes.substr(0, room));
    return true;
  }
  if (held_head_) {
    user_->OnHead(*held_head_);
    held_head_.reset();
  }
  body_seen_ = true;
  return user_->OnData(bytes);
}

void RetryState::OnDone(Status status) {
  if (phase_ != Phase::kInFlight) return;
  if (cancel_requested_ || status.code() == StatusCode::kCancelled) {
    // Whatever the attempt got to, the user asked to stop (or the handler did).
    if (status.code() != StatusCode::kCancelled) status = CancelledError("HTTP request cancelled");
    return Deliver(std::move(status));
  }
  if (swallow_then_wait_) {
    bool worth_it = !request_.retryable || request_.retryable(held_head_->status, held_body_);
    if (worth_it) return WaitThenRetry(*swallow_then_wait_);
    // An error that can never succeed: the user gets it now, as it came.
    swallow_then_wait_.reset();
    user_->OnHead(*held_head_);
    held_head_.reset();
    if (!held_body_.empty() && !user_->OnData(held_body_)) {
      return Deliver(CancelledError("HTTP request aborted by its handler"));
    }
    return Deliver(std::move(status));
  }
  if (status.code() == StatusCode::kUnavailable && !body_seen_) {
    if (std::optional<milliseconds> wait = NextWait(std::nullopt)) return WaitThenRetry(*wait);
  }
  if (held_head_) {
    user_->OnHead(*held_head_);  // An empty body, or a cut that is not retried: pass it on.
    held_head_.reset();
  }
  if (attempts_ > 1 && !status.ok()) {
    status = status.WithContext("after " + std::to_string(attempts_) + " attempts");
  }
  Deliver(std::move(status));
}

std::optional<milliseconds> RetryState::NextWait(std::optional<milliseconds> retry_after) {
  const RetryPolicy& policy = core_->policy;
  if (attempts_ >= policy.max_attempts) return std::nullopt;
  milliseconds wait;
  if (retry_after) {
    if (*retry_after > policy.max_retry_after) return std::nullopt;
    wait = *retry_after;
  } else {
    wait = BackoffDelay(policy, attempts_, core_->NextUnit());
  }
  if (waited_ + wait > policy.budget) return std::nullopt;
  return wait;
}

void RetryState::WaitThenRetry(milliseconds wait) {
  phase_ = Phase::kWaiting;
  waited_ += wait;
  core_->inner.RunAfter(wait, [self = shared_from_this()] {
    if (self->phase_ == Phase::kWaiting) self->Launch();
  });
}

void RetryState::Deliver(Status status) {
  phase_ = Phase::kDone;
  std::unique_ptr<HttpHandler> user = std::move(user_);
  user->OnDone(std::move(status));
  std::lock_guard<std::mutex> lock(core_->mu);
  core_->live.erase(id_);
}

class RetryingTransport final : public HttpTransport {
 public:
  RetryingTransport(HttpTransport& inner, RetryPolicy policy, const Clock& clock, uint64_t seed)
      : core_(std::make_shared<Core>(inner, policy, clock, seed)) {}

  ~RetryingTransport() override {
    std::unordered_map<RequestId, std::shared_ptr<RetryState>> live;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      live.swap(core_->live);  // Each posted cancel below keeps its request alive.
    }
    for (auto& [id, state] : live) {
      core_->inner.RunAfter(milliseconds(0), [state = std::move(state)] { state->Cancel(); });
    }
  }

  RequestId Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) override {
    RequestId id = core_->next_id.fetch_add(1);
    auto state = std::make_shared<RetryState>(core_, id, std::move(request), std::move(handler));
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->live.emplace(id, state);
    }
    core_->inner.RunAfter(milliseconds(0), [state] { state->Launch(); });
    return id;
  }

  void Cancel(RequestId id) override {
    std::shared_ptr<RetryState> state;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      auto it = core_->live.find(id);
      if (it == core_->live.end()) return;
      state = it->second;
    }
    core_->inner.RunAfter(milliseconds(0), [state] { state->Cancel(); });
  }

  void RunAfter(milliseconds delay, std::function<void()> fn) override {
    core_->inner.RunAfter(delay, std::move(fn));
  }

 private:
  std::shared_ptr<Core> core_;  // Shared with every live request, which may outlast this.
};

}  // namespace

std::optional<milliseconds> ParseRetryAfter(std::string_view value, SystemTime now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    constexpr int64_t kMaxSeconds = int64_t{1} << 40;  // Far beyond any max_retry_after.
    if (ec == std::errc::result_out_of_range || seconds > kMaxSeconds) seconds = kMaxSeconds;
    return std::chrono::seconds(seconds);
  }
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT" (and the obsolete forms curl also reads).
  if (value.find(',') == std::string_view::npos && value.find(' ') == std::string_view::npos) {
    return std::nullopt;  // Neither a number nor a date: "-1", "soon", "1.5".
  }
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  auto wait =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(when) - now);
  return std::max(wait, milliseconds(0));
}

milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit) {
  double delay = static_cast<double>(policy.base_delay.count());
  for (int i = 1; i < retry && delay < static_cast<double>(policy.max_delay.count()); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, static_cast<double>(policy.max_delay.count()));
  delay *= 1.0 + policy.jitter * std::clamp(unit, -1.0, 1.0);
  return milliseconds(std::max<int64_t>(0, std::llround(delay)));
}

std::unique_ptr<HttpTransport> NewRetryingTransport(HttpTransport& inner, RetryPolicy policy,
                                                    const Clock& clock, uint64_t seed) {
  return std::make_unique<RetryingTransport>(inner, policy, clock, seed);
}

}  // namespace mh::llm
