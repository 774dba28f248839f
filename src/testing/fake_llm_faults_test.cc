// Injected faults of the fake LLM server, seen from a client's socket.
#include <gtest/gtest.h>

#include <chrono>

#include "testing/fake_llm_server.h"
#include "testing/test_http_client.h"

namespace mh::testing {
namespace {

constexpr char kScenario[] = R"({
  "name": "faults",
  "turns": [
    {"when": {"contains": "RATE"}, "text": "after the retry",
     "fault": {"kind": "http_status", "status": 429, "retry_after": "3", "times": 1}},
    {"when": {"contains": "OVERLOAD"}, "text": "never",
     "fault": {"kind": "http_status", "status": 529}},
    {"when": {"contains": "SLOW"}, "text": "slow", "fault": {"kind": "delay", "delay_ms": 150, "times": 1}},
    {"when": {"contains": "FOREVER"}, "text": "late", "delay_ms": 600000},
    {"when": {"contains": "STALL"}, "text": "never sent", "fault": {"kind": "stall"}},
    {"when": {"contains": "CUT"}, "text": "This reply is cut in the middle.", "chunk_chars": 4,
     "fault": {"kind": "cut_stream", "after_events": 3}},
    {"when": {"contains": "BROKEN"}, "tool_calls": [{"name": "bash", "arguments": {"command": "ls -la"}}],
     "fault": {"kind": "malformed_tool_json"}},
    {"when": {"contains": "PROXY"}, "text": "x", "fault": {"kind": "html"}},
    {"text": "fine"}
  ]})";

std::unique_ptr<FakeLlmServer> StartServer() {
  auto server = FakeLlmServer::Start(kScenario, {});
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(*server) : nullptr;
}

std::string Chat(std::string_view prompt, bool stream) {
  Json body = {
      {"model", "m"}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", prompt}}}}};
  return PostRequest("/v1/chat/completions", body.dump());
}

std::string Anthropic(std::string_view prompt, bool stream) {
  Json body = {{"model", "m"},
               {"stream", stream},
               {"max_tokens", 100},
               {"messages", {{{"role", "user"}, {"content", prompt}}}}};
  return PostRequest("/v1/messages", body.dump());
}

TEST(FakeLlmFaultsTest, HttpStatusWithRetryAfterThenAnswersOnceTimesIsUsed) {
  auto server = StartServer();
  TestResponse limited = Exchange(server->port(), Chat("RATE", false));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "3");
  Json error = Json::parse(limited.body)["error"];
  EXPECT_EQ(error["type"], "rate_limit_error");
  EXPECT_EQ(error["code"], "rate_limit_exceeded");

  TestResponse retried = Exchange(server->port(), Chat("RATE", false));
  EXPECT_EQ(retried.status, 200);
  EXPECT_EQ(Json::parse(retried.body)["choices"][0]["message"]["content"], "after the retry");
  std::vector<Json> log = server->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["fault"], "http_status");
  EXPECT_EQ(log[0]["status"], 429);
  EXPECT_EQ(log[1]["fault"], nullptr);
  EXPECT_EQ(log[1]["status"], 200);
}

TEST(FakeLlmFaultsTest, AnthropicOverloadedIsShapedAsAnthropicError) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), Anthropic("OVERLOAD", true));
  EXPECT_EQ(r.status, 529);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["type"], "error");
  EXPECT_EQ(body["error"]["type"], "overloaded_error");
  EXPECT_FALSE(r.headers.contains("retry-after"));
}

TEST(FakeLlmFaultsTest, DelayWaitsWithoutBlockingOtherRequests) {
  auto server = StartServer();
  // A request held for ten minutes must not hold up anyone else.
  TestConnection held(server->port());
  held.Send(Chat("FOREVER", true));
  auto start = std::chrono::steady_clock::now();
  TestResponse other = Exchange(server->port(), Chat("hello", false));
  EXPECT_EQ(other.status, 200);

  TestResponse slow = Exchange(server->port(), Chat("SLOW", false));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slow.status, 200);
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));  // The delay is a lower bound.
  EXPECT_EQ(server->requests()[2]["fault"], "delay");
  // `times: 1`: the second slow request is not delayed and says so in the log.
  EXPECT_EQ(Exchange(server->port(), Chat("SLOW", false)).status, 200);
  EXPECT_EQ(server->requests()[3]["fault"], nullptr);
}

TEST(FakeLlmFaultsTest, StallSendsHeadersThenNothingUntilTheClientGoes) {
  auto server = StartServer();
  {
    TestConnection stalled(server->port(), /*timeout_ms=*/300);
    stalled.Send(Chat("STALL", true));
    TestResponse r = stalled.ReadResponse();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/event-stream");
    EXPECT_FALSE(r.complete);
    EXPECT_TRUE(r.body.empty());
  }
  {
    TestConnection stalled(server->port(), /*timeout_ms=*/300);
    stalled.Send(Chat("STALL", false));
    EXPECT_EQ(stalled.ReadResponse().status, 0);  // Not even a status line.
  }
  // The clients went; the server carries on.
  EXPECT_EQ(Exchange(server->port(), Chat("hello", false)).status, 200);
}

TEST(FakeLlmFaultsTest, CutStreamClosesInTheMiddleOfAnEvent) {
  auto server = StartServer();
  TestConnection conn(server->port());
  conn.Send(Chat("CUT", true));
  TestResponse r = conn.ReadResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  // Three whole events, then part of the fourth.
  size_t whole = 0;
  for (size_t pos = 0; (pos = r.body.find("\n\n", pos)) != std::string::npos; pos += 2) ++whole;
  EXPECT_EQ(whole, 3u);
  EXPECT_NE(r.body.substr(r.body.rfind("\n\n") + 2).rfind("data: {", 0), std::string::npos);
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
  EXPECT_TRUE(conn.ReadsEof());

  TestResponse body = Exchange(server->port(), Chat("CUT", false));
  EXPECT_FALSE(body.complete);
  EXPECT_FALSE(body.body.empty());
  EXPECT_FALSE(Json::accept(body.body));
}

TEST(FakeLlmFaultsTest, MalformedToolJsonDoesNotParse) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), Chat("BROKEN", true));
  ASSERT_TRUE(r.complete);
  std::string arguments;
  std::string name;
  for (const TestSseEvent& e : ParseSse(r.body)) {
    if (e.data == "[DONE]") continue;
    Json chunk = Json::parse(e.data);  // The events themselves are sound.
    if (chunk["choices"].empty()) continue;
    const Json& delta = chunk["choices"][0]["delta"];
    if (!delta.contains("tool_calls")) continue;
    const Json& fn = delta["tool_calls"][0]["function"];
    if (fn.contains("name")) name = fn["name"];
    arguments += fn["arguments"].get<std::string>();
  }
  EXPECT_EQ(name, "bash");
  EXPECT_FALSE(arguments.empty());
  EXPECT_FALSE(Json::accept(arguments)) << arguments;

  Json message = Json::parse(Exchange(server->port(), Anthropic("BROKEN", false)).body);
  EXPECT_EQ(message["content"][0]["type"], "tool_use");
  ASSERT_TRUE(message["content"][0]["input"].is_string());
  EXPECT_FALSE(Json::accept(message["content"][0]["input"].get<std::string>()));
}

TEST(FakeLlmFaultsTest, HtmlAnswers200WithAPage) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), Anthropic("PROXY", true));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(r.body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(server->requests()[0]["fault"], "html");
}

}  // namespace
}  // namespace mh::testing
