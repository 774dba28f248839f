// RetryingTransport over a hand-driven fake transport (exact waits, no real time) and,
// at the end, over CurlTransport against a scripted loopback server.
#include <gtest/gtest.h>

#include <ctime>
#include <deque>

#include "llm/http_test_probe.h"
#include "llm/http_test_server.h"
#include "llm/http_transport.h"
#include "testing/fake_clock.h"

namespace mh::llm {
namespace {

using std::chrono::milliseconds;
using test::Outcome;
using test::Probe;

// A transport the test drives by hand: it records requests and timers, and the test
// answers each attempt. Single-threaded: the test thread plays the loop thread.
class FakeTransport final : public HttpTransport {
 public:
  struct Call {
    RequestId id;
    HttpRequest request;
    std::unique_ptr<HttpHandler> handler;
  };

  RequestId Start(HttpRequest request, std::unique_ptr<HttpHandler> handler) override {
    calls.push_back({next_id_, std::move(request), std::move(handler)});
    return next_id_++;
  }
  void Cancel(RequestId id) override { cancels.push_back(id); }
  void RunAfter(milliseconds delay, std::function<void()> fn) override {
    if (delay.count() > 0) waits.push_back(delay);
    timers_.push_back({now_ + delay, std::move(fn)});
  }

  // Runs what is due now (posted work), then, if `advance`, jumps to the next timer.
  void RunDue() { Run(false); }
  void AdvanceToNextTimer() { Run(true); }

  // Answers attempt `i` with a whole response, then `done`.
  void Reply(size_t i, int status, const std::string& body, std::vector<HttpHeader> headers = {},
             Status done = Status::Ok()) {
    HttpResponseHead head{status, std::move(headers)};
    calls.at(i).handler->OnHead(head);
    if (!body.empty()) calls[i].handler->OnData(body);
    Finish(i, std::move(done));
  }
  void Finish(size_t i, Status done) {
    calls.at(i).handler->OnDone(std::move(done));
    calls[i].handler.reset();
  }

  std::vector<Call> calls;
  std::vector<RequestId> cancels;
  std::vector<milliseconds> waits;

 private:
  struct Timer {
    milliseconds due;
    std::function<void()> fn;
  };
  void Run(bool advance) {
    while (true) {
      auto next = std::min_element(timers_.begin(), timers_.end(),
                                   [](const Timer& a, const Timer& b) { return a.due < b.due; });
      if (next == timers_.end()) return;
      if (next->due > now_) {
        if (!advance) return;
        now_ = next->due;
        advance = false;
      }
      std::function<void()> fn = std::move(next->fn);
      timers_.erase(next);
      fn();
    }
  }
  RequestId next_id_ = 100;
  milliseconds now_{0};
  std::deque<Timer> timers_;
};

RetryPolicy ShortPolicy() {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.base_delay = milliseconds(10);
  policy.max_delay = milliseconds(80);
  policy.jitter = 0;
  policy.budget = milliseconds(100'000);
  policy.max_retry_after = milliseconds(60'000);
  return policy;
}

struct Harness {
  explicit Harness(RetryPolicy policy = ShortPolicy())
      : retrying(NewRetryingTransport(inner, policy, clock, 42)) {}

  RequestId Start(std::function<bool(int, std::string_view)> retryable = nullptr) {
    HttpRequest request;
    request.url = "http://127.0.0.1:1/v1/messages";
    request.body = "{\"n\":1}";
    request.retryable = std::move(retryable);
    RequestId id = retrying->Start(request, test::HandlerFor(probe));
    inner.RunDue();
    return id;
  }

  FakeTransport inner;
  mh::testing::FakeClock clock;
  std::shared_ptr<Probe> probe = std::make_shared<Probe>();
  std::unique_ptr<HttpTransport> retrying;
};

TEST(RetryTransportTest, RateLimitHonoursRetryAfterSecondsAndHidesTheFirstReply) {
  Harness h;
  h.Start();
  ASSERT_EQ(h.inner.calls.size(), 1u);
  h.inner.Reply(0, 429, "{\"error\":\"slow down\"}", {{"retry-after", "2"}});
  EXPECT_FALSE(h.probe->Snapshot().head.has_value()) << "the 429 is not shown";
  EXPECT_EQ(h.inner.waits, std::vector<milliseconds>{milliseconds(2000)});
  h.inner.AdvanceToNextTimer();
  ASSERT_EQ(h.inner.calls.size(), 2u);
  EXPECT_EQ(h.inner.calls[1].request.body, "{\"n\":1}") << "the same request is sent again";
  h.inner.Reply(1, 200, "{\"ok\":true}");
  Outcome o = h.probe->Snapshot();
  ASSERT_TRUE(o.done.has_value());
  EXPECT_TRUE(o.done->ok());
  EXPECT_EQ(o.heads, 1);
  EXPECT_EQ(o.head->status, 200);
  EXPECT_EQ(o.body, "{\"ok\":true}");
}

TEST(RetryTransportTest, ErrorThatCannotSucceedIsPassedOnAtOnceWithItsBody) {
  Harness h;
  std::string seen_body;
  h.Start([&](int status, std::string_view body) {
    seen_body = body;
    return !(status == 429 && body.find("insufficient_quota") != std::string_view::npos);
  });
  const std::string quota = R"({"error":{"type":"insufficient_quota"}})";
  h.inner.Reply(0, 429, quota, {{"retry-after", "1"}});
  Outcome o = h.probe->Snapshot();
  ASSERT_TRUE(o.done.has_value()) << "not retried: billing errors never pass";
  EXPECT_EQ(h.inner.calls.size(), 1u);
  EXPECT_TRUE(h.inner.waits.empty());
  EXPECT_EQ(o.head->status, 429);
  EXPECT_EQ(o.head->attempts, 1);
  EXPECT_EQ(o.body, quota);
  EXPECT_EQ(seen_body, quota);
}

TEST(RetryTransportTest, ErrorWorthRetryingIsRetriedAndTheHeadCountsTheAttempts) {
  RetryPolicy policy = ShortPolicy();
  policy.max_attempts = 3;
  Harness h(policy);
  h.Start([](int, std::string_view) { return true; });
  for (int i = 0; i < 3; ++i) {
    h.inner.Reply(i, 503, "busy");
    h.inner.AdvanceToNextTimer();
  }
  Outcome o = h.probe->Snapshot();
  ASSERT_TRUE(o.done.has_value());
  EXPECT_EQ(h.inner.calls.size(), 3u);
  EXPECT_EQ(o.head->status, 503);
  EXPECT_EQ(o.head->attempts, 3) << "the final reply says how often it was sent";
  EXPECT_EQ(o.body, "busy");
}

TEST(RetryTransportTest, RetryAfterAsHttpDate) {
  Harness h;
  h.Start();
  std::time_t when = std::chrono::system_clock::to_time_t(h.clock.Now()) + 7;
  char date[64];
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  h.inner.Reply(0, 503, "busy", {{"retry-after", date}});
  ASSERT_EQ(h.inner.waits.size(), 1u);
  // The fake clock sits mid-second; the date has whole seconds.
  EXPECT_GE(h.inner.waits[0], milliseconds(6000));
  EXPECT_LE(h.inner.waits[0], milliseconds(7000));
}

TEST(RetryTransportTest, BackoffDoublesAcross5xxAnd529) {
  Harness h;
  h.Start();
  int i = 0;
  for (int status : {500, 503, 529}) {
    h.inner.Reply(i++, status, "overloaded");
    h.inner.AdvanceToNextTimer();
  }
  h.inner.Reply(i, 200, "fine");
  EXPECT_EQ(h.inner.waits,
            (std::vector<milliseconds>{milliseconds(10), milliseconds(20), milliseconds(40)}));
  EXPECT_EQ(h.probe->Snapshot().body, "fine");
}

TEST(RetryTransportTest, LastResponsePassesThroughWhenAttemptsRunOut) {
  RetryPolicy policy = ShortPolicy();
  policy.max_attempts = 3;
  Harness h(policy);
  h.Start();
  for (int i = 0; i < 3; ++i) {
    h.inner.Reply(i, 529, "{\"type\":\"overloaded_error\"}");
    h.inner.AdvanceToNextTimer();
  }
  EXPECT_EQ(h.inner.calls.size(), 3u);
  Outcome o = h.probe->Snapshot();
  ASSERT_TRUE(o.done.has_value());
  EXPECT_TRUE(o.done->ok()) << "a whole response, whatever its status";
  EXPECT_EQ(o.head->status, 529);
  EXPECT_EQ(o.body, "{\"type\":\"overloaded_error\"}");
}

TEST(RetryTransportTest, BudgetCapsTheSumOfWaits) {
  RetryPolicy policy = ShortPolicy();
  policy.budget = milliseconds(25);  // 10 fits; 10 + 20 does not.
  Harness h(policy);
  h.Start();
  h.inner.Reply(0, 500, "e1");
  h.inner.AdvanceToNextTimer();
  h.inner.Reply(1, 500, "e2");
  EXPECT_EQ(h.inner.calls.size(), 2u);
  EXPECT_EQ(h.probe->Snapshot().body, "e2");
}

TEST(RetryTransportTest, RetryAfterBeyondTheLimitIsNotWaited) {
  Harness h;
  h.Start();
  h.inner.Reply(0, 429, "come back tomorrow", {{"retry-after", "86400"}});
  EXPECT_TRUE(h.inner.waits.empty());
  EXPECT_EQ(h.probe->Snapshot().head->status, 429);
  EXPECT_TRUE(h.probe->Snapshot().done->ok());
}

TEST(RetryTransportTest, ClientErrorsAreNotRetried) {
  Harness h;
  h.Start();
  h.inner.Reply(0, 400, "{\"error\":\"bad tool schema\"}");
  EXPECT_EQ(h.inner.calls.size(), 1u);
  EXPECT_EQ(h.probe->Snapshot().head->status, 400);
}

TEST(RetryTransportTest, ConnectionFailuresBeforeTheBodyAreRetriedUnseen) {
  Harness h;
  h.Start();
  h.inner.Finish(0, UnavailableError("HTTP connect failed: refused"));  // No head at all.
  h.inner.AdvanceToNextTimer();
  // A head, then a reset before any body byte: the user must not see this head.
  h.inner.calls.at(1).handler->OnHead({200, {{"x-attempt", "2"}}});
  h.inner.Finish(1, UnavailableError("HTTP connection broke mid-response"));
  h.inner.AdvanceToNextTimer();
  h.inner.Reply(2, 200, "data: [DONE]\n\n", {{"x-attempt", "3"}});
  Outcome o = h.probe->Snapshot();
  EXPECT_TRUE(o.done->ok());
  EXPECT_EQ(o.heads, 1);
  EXPECT_EQ(*o.head->Find("x-attempt"), "3");
  EXPECT_EQ(o.body, "data: [DONE]\n\n");
}

TEST(RetryTransportTest, CutAfterBodyBytesIsNotRetried) {
  Harness h;
  h.Start();
  h.inner.Reply(0, 200, "data: {\"partial\"", {},
                UnavailableError("HTTP connection broke mid-response: closed"));
  EXPECT_EQ(h.inner.calls.size(), 1u);
  Outcome o = h.probe->Snapshot();
  EXPECT_EQ(o.done->code(), StatusCode::kUnavailable) << "never a partial reply taken as whole";
  EXPECT_EQ(o.body, "data: {\"partial\"");
}

TEST(RetryTransportTest, FinalErrorSaysHowManyAttempts) {
  RetryPolicy policy = ShortPolicy();
  policy.max_attempts = 3;
  Harness h(policy);
  h.Start();
  for (int i = 0; i < 3; ++i) {
    h.inner.Finish(i, UnavailableError("HTTP connect failed"));
    h.inner.AdvanceToNextTimer();
  }
  Outcome o = h.probe->Snapshot();
  EXPECT_EQ(o.done->code(), StatusCode::kUnavailable);
  EXPECT_EQ(o.done->message(), "after 3 attempts: HTTP connect failed");
}

TEST(RetryTransportTest, CancelDuringBackoffEndsAtOnceAndNeverRetries) {
  Harness h;
  RequestId id = h.Start();
  h.inner.Reply(0, 503, "busy", {{"retry-after", "30"}});
  h.retrying->Cancel(id);
  h.inner.RunDue();
  Outcome o = h.probe->Snapshot();
  ASSERT_TRUE(o.done.has_value());
  EXPECT_EQ(o.done->code(), StatusCode::kCancelled);
  EXPECT_FALSE(o.head.has_value());
  h.inner.AdvanceToNextTimer();  // The backoff timer fires: nothing happens.
  EXPECT_EQ(h.inner.calls.size(), 1u);
}

TEST(RetryTransportTest, CancelInFlightCancelsTheAttemptAndIsNotRetried) {
  Harness h;
  RequestId id = h.Start();
  h.retrying->Cancel(id);
  h.inner.RunDue();
  ASSERT_EQ(h.inner.cancels, std::vector<RequestId>{h.inner.calls[0].id});
  h.inner.Finish(0, CancelledError("HTTP request cancelled"));
  h.inner.AdvanceToNextTimer();
  EXPECT_EQ(h.inner.calls.size(), 1u);
  EXPECT_EQ(h.probe->Snapshot().done->code(), StatusCode::kCancelled);
}

TEST(RetryTransportTest, DestroyingTheTransportCancelsWaitingRequests) {
  Harness h;
  h.Start();
  h.inner.Reply(0, 503, "busy");
  h.retrying.reset();
  h.inner.RunDue();
  ASSERT_TRUE(h.probe->Snapshot().done.has_value());
  EXPECT_EQ(h.probe->Snapshot().done->code(), StatusCode::kCancelled);
}

TEST(RetryTransportTest, SameSeedSameJitteredWaits) {
  RetryPolicy policy = ShortPolicy();
  policy.base_delay = milliseconds(1000);
  policy.max_delay = milliseconds(100'000);
  policy.jitter = 0.25;
  policy.budget = milliseconds(1'000'000);
  std::vector<milliseconds> runs[2];
  for (auto& waits : runs) {
    Harness h(policy);
    h.Start();
    for (int i = 0; i < 3; ++i) {
      h.inner.Reply(i, 500, "e");
      h.inner.AdvanceToNextTimer();
    }
    waits = h.inner.waits;
  }
  ASSERT_EQ(runs[0].size(), 3u);
  EXPECT_EQ(runs[0], runs[1]);
  for (int i = 0; i < 3; ++i) {
    int64_t nominal = 1000 << i;
    EXPECT_GE(runs[0][i].count(), nominal * 3 / 4);
    EXPECT_LE(runs[0][i].count(), nominal * 5 / 4);
  }
  EXPECT_FALSE(runs[0][0].count() == 1000 && runs[0][1].count() == 2000) << "jitter applied";
}

TEST(BackoffDelayTest, DoublesCapsAndJitters) {
  RetryPolicy policy;
  policy.base_delay = milliseconds(500);
  policy.max_delay = milliseconds(3000);
  policy.jitter = 0.25;
  EXPECT_EQ(BackoffDelay(policy, 1, 0), milliseconds(500));
  EXPECT_EQ(BackoffDelay(policy, 2, 0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(policy, 3, 0), milliseconds(2000));
  EXPECT_EQ(BackoffDelay(policy, 4, 0), milliseconds(3000));
  EXPECT_EQ(BackoffDelay(policy, 60, 0), milliseconds(3000)) << "no overflow";
  EXPECT_EQ(BackoffDelay(policy, 1, 1.0), milliseconds(625));
  EXPECT_EQ(BackoffDelay(policy, 1, -1.0), milliseconds(375));
}

TEST(ParseRetryAfterTest, SecondsDatesAndNonsense) {
  SystemTime now = FromUnixMillis(1'445'412'480'000);  // Wed, 21 Oct 2015 07:28:00 GMT.
  EXPECT_EQ(ParseRetryAfter("0", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30'000));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now), milliseconds(60'000));
  EXPECT_EQ(ParseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", now), milliseconds(0)) << "past";
  EXPECT_GT(ParseRetryAfter("99999999999999999999999", now).value(), milliseconds(1'000'000));
  for (const char* bad : {"", "soon", "-1", "1.5", "Wed, 99 Foo 2015 nonsense"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now).has_value()) << bad;
  }
}

// The same over real sockets: CurlTransport inside, a scripted loopback server outside.
TEST(RetryTransportCurlTest, ResetThen429Then200) {
  using test::Response;
  using test::Write;
  test::LoopbackServer server({{test::Reset()},
                               {Write(Response(429, "{}", {"Retry-After: 0"}))},
                               {Write(Response(200, "{\"id\":\"ok\"}"))}});
  auto curl = NewCurlTransport();
  auto retrying = NewRetryingTransport(*curl, ShortPolicy(), SystemClock());
  auto probe = std::make_shared<Probe>();
  HttpRequest request;
  request.url = server.Url();
  request.body = "{}";
  retrying->Start(request, test::HandlerFor(probe));
  auto o = probe->WaitDone();
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->done->ok()) << o->done->ToString();
  EXPECT_EQ(o->head->status, 200);
  EXPECT_EQ(o->body, "{\"id\":\"ok\"}");
  EXPECT_EQ(server.Requests().size(), 3u);
}

TEST(RetryTransportCurlTest, HtmlFromAProxyPassesThroughAfterRetries) {
  using test::Response;
  using test::Write;
  test::LoopbackServer server(
      {{Write(Response(502, "<html>Bad Gateway</html>", {"Content-Type: text/html"}))}});
  auto curl = NewCurlTransport();
  auto retrying = NewRetryingTransport(*curl, ShortPolicy(), SystemClock());
  auto probe = std::make_shared<Probe>();
  HttpRequest request;
  request.url = server.Url();
  retrying->Start(request, test::HandlerFor(probe));
  auto o = probe->WaitDone();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->head->status, 502);
  EXPECT_EQ(o->body, "<html>Bad Gateway</html>");
  EXPECT_EQ(server.Requests().size(), 4u) << "max_attempts of the short policy";
}

TEST(RetryTransportCurlTest, CancelDuringALongRetryAfterReturnsAtOnce) {
  test::LoopbackServer server({{test::Write(test::Response(503, "{}", {"Retry-After: 30"}))}});
  auto curl = NewCurlTransport();
  auto retrying = NewRetryingTransport(*curl, ShortPolicy(), SystemClock());
  auto probe = std::make_shared<Probe>();
  HttpRequest request;
  request.url = server.Url();
  RequestId id = retrying->Start(request, test::HandlerFor(probe));
  ASSERT_TRUE(server.WaitForRequests(1));
  retrying->Cancel(id);
  auto o = probe->WaitDone();  // Well under the 30 s Retry-After, or this fails.
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->done->code(), StatusCode::kCancelled);
  EXPECT_FALSE(o->head.has_value());
}

}  // namespace
}  // namespace mh::llm
