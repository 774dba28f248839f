// CurlTransport against a scripted loopback server: real sockets, real libcurl.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>

#include "llm/http_test_probe.h"
#include "llm/http_test_server.h"
#include "llm/http_transport.h"

namespace mh::llm {
namespace {

using std::chrono::milliseconds;
using test::Chunk;
using test::LoopbackServer;
using test::Probe;
using test::Response;
using test::StreamHead;
using test::Write;

constexpr char kSecret[] = "sk-transport-test-0123456789";

HttpRequest Post(const std::string& url, std::string body = "{\"model\":\"m\"}") {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret},
                     {"Content-Type", "application/json"}};
  request.body = std::move(body);
  return request;
}

TEST(CurlTransportTest, StreamsHeadThenBodyInOrder) {
  LoopbackServer server({{Write(StreamHead()), Write(Chunk("data: {\"a\":1}\n\n")), test::Pause(20),
                          Write(Chunk("data: [DONE]\n\n")), Write(test::LastChunk())}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  transport->Start(Post(server.Url(), "{\"stream\":true}"), test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->done->ok()) << outcome->done->ToString();
  ASSERT_TRUE(outcome->head.has_value());
  EXPECT_EQ(outcome->head->status, 200);
  EXPECT_EQ(outcome->heads, 1);
  EXPECT_FALSE(outcome->data_before_head);
  ASSERT_NE(outcome->head->Find("Content-Type"), nullptr);
  EXPECT_EQ(*outcome->head->Find("CONTENT-TYPE"), "text/event-stream");
  EXPECT_EQ(outcome->body, "data: {\"a\":1}\n\ndata: [DONE]\n\n");

  auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("POST /v1/chat/completions HTTP/1.1\r\n"));
  EXPECT_NE(requests[0].find(std::string("Authorization: Bearer ") + kSecret), std::string::npos);
  EXPECT_TRUE(requests[0].ends_with("\r\n\r\n{\"stream\":true}"));
}

TEST(CurlTransportTest, InterimContinueResponseIsSkipped) {
  LoopbackServer server({{Write("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n" +
                                Response(201, "made", {"X-Final: yes"}))}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  transport->Start(Post(server.Url()), test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->done->ok());
  EXPECT_EQ(outcome->heads, 1);
  EXPECT_EQ(outcome->head->status, 201);
  EXPECT_EQ(outcome->head->Find("x-interim"), nullptr);
  EXPECT_NE(outcome->head->Find("x-final"), nullptr);
  EXPECT_EQ(outcome->body, "made");
}

TEST(CurlTransportTest, GetRequestAndErrorStatusIsStillOk) {
  LoopbackServer server({{Write(Response(404, "{\"error\":\"no\"}"))}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  HttpRequest request;
  request.method = "GET";
  request.url = server.Url("/v1/models");
  transport->Start(request, test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->done->ok()) << "an HTTP error status is a whole response";
  EXPECT_EQ(outcome->head->status, 404);
  EXPECT_EQ(outcome->body, "{\"error\":\"no\"}");
  EXPECT_TRUE(server.Requests()[0].starts_with("GET /v1/models HTTP/1.1"));
}

TEST(CurlTransportTest, RefusedConnectionIsUnavailableWithoutSecrets) {
  int port;
  {
    LoopbackServer closed(std::vector<test::Script>{test::Script{}});
    port = closed.port();
  }
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  transport->Start(Post("http://127.0.0.1:" + std::to_string(port) + "/v1/messages"),
                   test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kUnavailable) << outcome->done->ToString();
  EXPECT_NE(outcome->done->message().find("connect"), std::string::npos);
  EXPECT_EQ(outcome->done->message().find(kSecret), std::string::npos);
  EXPECT_FALSE(outcome->head.has_value());
}

TEST(CurlTransportTest, FirstByteTimeoutIsNamed) {
  LoopbackServer server({{test::Stall()}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  HttpRequest request = Post(server.Url());
  request.timeouts.first_byte = milliseconds(200);
  transport->Start(request, test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome->done->message().find("first-byte timeout"), std::string::npos)
      << outcome->done->message();
  EXPECT_EQ(outcome->done->message().find(kSecret), std::string::npos);
}

TEST(CurlTransportTest, IdleTimeoutAfterPartOfTheStream) {
  LoopbackServer server({{Write(StreamHead()), Write(Chunk("data: {\"a\":1}\n\n")),
                          test::Pause(100), Write(Chunk("data: {\"b\":2}\n\n")), test::Stall()}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  HttpRequest request = Post(server.Url());
  request.timeouts.idle = milliseconds(250);
  transport->Start(request, test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome->done->message().find("idle timeout"), std::string::npos)
      << outcome->done->message();
  EXPECT_EQ(outcome->body, "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n")
      << "a 100 ms gap is within the idle limit; the timeout came after the stall";
}

TEST(CurlTransportTest, TrickleBelowTheMinimumRateIsCut) {
  test::Script script = {Write(StreamHead())};
  for (int i = 0; i < 400; ++i) {  // A byte every 5 ms: never idle, but far too slow.
    script.push_back(Write(Chunk("x")));
    script.push_back(test::Pause(5));
  }
  LoopbackServer server({script});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  HttpRequest request = Post(server.Url());
  request.timeouts.idle = milliseconds(1000);
  request.timeouts.rate_window = milliseconds(200);
  request.timeouts.min_bytes_per_window = 1000;
  transport->Start(request, test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome->done->message().find("HTTP response too slow"), std::string::npos)
      << outcome->done->message();
  EXPECT_LT(outcome->body.size(), 400u) << "cut long before the trickle ended";
}

TEST(CurlTransportTest, TotalTimeoutIsNamed) {
  LoopbackServer server({{Write(StreamHead()), test::Stall()}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  HttpRequest request = Post(server.Url());
  request.timeouts.total = milliseconds(200);
  transport->Start(request, test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome->done->message().find("total timeout"), std::string::npos)
      << outcome->done->message();
  EXPECT_EQ(outcome->head->status, 200);
}

TEST(CurlTransportTest, CutBodyIsUnavailableNotComplete) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  LoopbackServer server({{Write(head + "{\"choices\":[{\"mess")},  // Then the connection closes.
                         {Write(StreamHead() + Chunk("data: {\"a\""))}});
  auto transport = NewCurlTransport();
  for (const char* kind : {"content-length", "chunked"}) {
    auto probe = std::make_shared<Probe>();
    transport->Start(Post(server.Url()), test::HandlerFor(probe));
    auto outcome = probe->WaitDone();
    ASSERT_TRUE(outcome.has_value()) << kind;
    EXPECT_EQ(outcome->done->code(), StatusCode::kUnavailable) << kind;
    EXPECT_NE(outcome->done->message().find("mid-response"), std::string::npos)
        << kind << ": " << outcome->done->message();
  }
}

TEST(CurlTransportTest, ResetAndGarbageAreUnavailable) {
  LoopbackServer server({{test::Reset()}, {Write("<html>Bad gateway</html>\r\n\r\n")}});
  auto transport = NewCurlTransport();
  for (const char* kind : {"reset", "not http"}) {
    auto probe = std::make_shared<Probe>();
    transport->Start(Post(server.Url()), test::HandlerFor(probe));
    auto outcome = probe->WaitDone();
    ASSERT_TRUE(outcome.has_value()) << kind;
    EXPECT_EQ(outcome->done->code(), StatusCode::kUnavailable)
        << kind << ": " << outcome->done->ToString();
    EXPECT_FALSE(outcome->head.has_value()) << kind;
  }
}

TEST(CurlTransportTest, CancelMidStreamFromAnotherThread) {
  LoopbackServer server({{Write(StreamHead()), Write(Chunk("data: 1\n\n")), test::Stall()}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  RequestId id = transport->Start(Post(server.Url()), test::HandlerFor(probe));
  ASSERT_TRUE(probe->WaitFirstData());
  transport->Cancel(id);
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kCancelled);
  EXPECT_EQ(outcome->body, "data: 1\n\n");
  transport->Cancel(id);  // Done already: a no-op.
}

TEST(CurlTransportTest, HandlerStopsTransferByReturningFalse) {
  LoopbackServer server({{Write(StreamHead()), Write(Chunk("data: 1\n\n")), test::Stall()}});
  auto transport = NewCurlTransport();
  auto probe = std::make_shared<Probe>();
  probe->on_data = [](std::string_view) { return false; };
  transport->Start(Post(server.Url()), test::HandlerFor(probe));
  auto outcome = probe->WaitDone();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->done->code(), StatusCode::kCancelled);
}

TEST(CurlTransportTest, DestructionCancelsWhatIsInFlight) {
  LoopbackServer server({{test::Stall()}});
  auto probe = std::make_shared<Probe>();
  {
    auto transport = NewCurlTransport();
    transport->Start(Post(server.Url()), test::HandlerFor(probe));
    ASSERT_TRUE(server.WaitForRequests(1));
  }
  auto outcome = probe->Snapshot();
  ASSERT_TRUE(outcome.done.has_value()) << "OnDone came before the destructor returned";
  EXPECT_EQ(outcome.done->code(), StatusCode::kCancelled);
}

TEST(CurlTransportTest, BadUrlIsInvalidArgument) {
  auto transport = NewCurlTransport();
  for (const char* url : {"", "ftp://127.0.0.1/x"}) {
    auto probe = std::make_shared<Probe>();
    transport->Start(Post(url), test::HandlerFor(probe));
    auto outcome = probe->WaitDone();
    ASSERT_TRUE(outcome.has_value()) << url;
    EXPECT_EQ(outcome->done->code(), StatusCode::kInvalidArgument) << url;
  }
}

TEST(CurlTransportTest, RunAfterRunsInDueOrderOnTheLoopThread) {
  auto transport = NewCurlTransport();
  std::mutex mu;
  std::vector<int> order;
  std::set<std::thread::id> threads;
  std::promise<void> all_ran;
  for (int ms : {60, 20, 40, 0}) {
    transport->RunAfter(milliseconds(ms), [&, ms] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(ms);
      threads.insert(std::this_thread::get_id());
      if (order.size() == 4) all_ran.set_value();
    });
  }
  ASSERT_EQ(all_ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<int>{0, 20, 40, 60}));
  EXPECT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(CurlTransportTest, FiveHundredConcurrentRequestsOnOneThread) {
  constexpr int kRequests = 500;
  LoopbackServer server({{test::Pause(20), Write(Response(200, "pong"))}});
  auto transport = NewCurlTransport();
  std::vector<std::shared_ptr<Probe>> probes;
  for (int i = 0; i < kRequests; ++i) {
    probes.push_back(std::make_shared<Probe>());
    transport->Start(Post(server.Url()), test::HandlerFor(probes.back()));
  }
  std::set<std::thread::id> threads;
  int ok = 0;
  for (auto& probe : probes) {
    auto outcome = probe->WaitDone();
    ASSERT_TRUE(outcome.has_value());
    if (outcome->done->ok() && outcome->body == "pong") ++ok;
    threads.insert(outcome->thread);
  }
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(threads.size(), 1u) << "every handler ran on the one loop thread";
  EXPECT_EQ(server.Requests().size(), static_cast<size_t>(kRequests));
}

}  // namespace
}  // namespace mh::llm
