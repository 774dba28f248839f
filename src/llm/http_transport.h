// HttpTransport: HTTP requests without a thread each.
//
// One implementation (CurlTransport) runs every request on a single event-loop thread
// with libcurl's multi interface; RetryingTransport decorates any transport with retries.
// Providers in llm/ speak their protocols through this interface, so tests can hand
// them a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace mh::llm {

struct HttpHeader {
  std::string name;  // In responses: lower case.
  std::string value;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{10'000};
  // From the request being sent to the first byte of the response.
  std::chrono::milliseconds first_byte{300'000};
  // The longest gap between two pieces of the body once it flows.
  std::chrono::milliseconds idle{120'000};
  // The whole request; 0 means none. A model call that streams for longer than this is
  // stuck, not busy.
  std::chrono::milliseconds total{1'800'000};
  // The slowest a body may flow: once it flows, each `rate_window` must bring at least
  // `min_bytes_per_window` bytes, so a server trickling a byte a second cannot hold a
  // request forever. The window is longer than `idle`, so a model that is silent while it
  // reasons (one gap under `idle`, then a fast stream) passes. 0 bytes: no minimum.
  std::chrono::milliseconds rate_window{300'000};
  int64_t min_bytes_per_window = 1024;
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
  HttpTimeouts timeouts;
  // For RetryingTransport: whether an error reply it would retry by its status (429, 5xx)
  // is worth retrying, from the status and the start of the body (up to 64 KiB). Unset:
  // always. A provider says no for errors that can never succeed (429 insufficient_quota,
  // a server that cannot stream tool calls), which are then passed on at once.
  std::function<bool(int status, std::string_view body)> retryable;
};

struct HttpResponseHead {
  int status = 0;
  std::vector<HttpHeader> headers;
  int attempts = 1;  // How many times the request was sent (RetryingTransport sets it).

  // The value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
};

// Receives one request's response. All calls come on the transport's loop thread and
// must not block. The transport owns the handler and destroys it after OnDone.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Once, when the status line and headers have arrived.
  virtual void OnHead(const HttpResponseHead& head) = 0;
  // A piece of the body, in order. Return false to abort the transfer (then
  // OnDone(kCancelled)).
  virtual bool OnData(std::string_view bytes) = 0;
  // Exactly once, last. Ok when the whole response arrived, whatever its status;
  // otherwise kUnavailable (connect failure, reset, cut connection), kDeadlineExceeded
  // (a timeout, naming which), or kCancelled. Messages never contain header values.
  virtual void OnDone(Status status) = 0;
};

using RequestId = uint64_t;

// Thread-safe: Start, Cancel and RunAfter may be called from any thread, including
// from inside handler callbacks.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Starts `request` and returns at once; the handler hears the outcome.
  virtual RequestId Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) = 0;

  // Aborts a request in flight (its handler gets OnDone(kCancelled)); no-op when it is done.
  virtual void Cancel(RequestId id) = 0;

  // Runs `fn` on the loop thread after `delay` (backoff timers without a thread).
  virtual void RunAfter(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

// Transport on libcurl's multi interface and one event-loop thread of its own.
// Destruction cancels what is in flight (handlers get OnDone(kCancelled)) and joins.
std::unique_ptr<HttpTransport> NewCurlTransport();

struct RetryPolicy {
  int max_attempts = 6;                               // Including the first.
  std::chrono::milliseconds base_delay{500};          // Doubles each attempt.
  std::chrono::milliseconds max_delay{30'000};        // Cap on one wait.
  double jitter = 0.25;                               // +/- this fraction of each wait.
  std::chrono::milliseconds budget{120'000};          // Cap on all waits of one request.
  std::chrono::milliseconds max_retry_after{60'000};  // Longer Retry-After: give up.
};

// Decorates `inner` (which must outlive it): a request whose response is 429, 5xx or 529,
// or which fails with kUnavailable before its first body byte, is sent again after a
// backoff (Retry-After, as seconds or an HTTP date, when the server gives one), within
// the policy. The handler sees only the final attempt. `seed` seeds the jitter.
// When attempts, budget or max_retry_after rule out another try, the last response is
// passed through as it came (status, headers, body), so the caller can report it.
// The response head is held back until the first body byte (or the end), so a cut before
// any body is retried unseen. Waits run on inner.RunAfter: no thread of its own. Cancel
// works during a wait too. All handler calls come on inner's loop thread. Destroying it
// cancels what is in flight; `inner` must still be alive then.
std::unique_ptr<HttpTransport> NewRetryingTransport(HttpTransport& inner, RetryPolicy policy,
                                                    const Clock& clock, uint64_t seed = 0);

// Retry-After as a wait: "120" or an HTTP date relative to `now`. nullopt when unparsable.
// A date in the past is a wait of 0.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, SystemTime now);

// The wait before retry number `retry` (1 for the first) when the server names none:
// base_delay * 2^(retry-1), capped at max_delay, times (1 + jitter * unit) for `unit` in
// [-1, 1] (the caller draws it at random).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit);

}  // namespace mh::llm
