// The Gemini codec against mh-fake-llm over real HTTP: a two-turn function-call
// conversation whose thought signature must come back, usage, truncation and the faults.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "llm/http_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"
#include "testing/fake_llm_server.h"

namespace mh::llm {
namespace {

using testing::MapEnv;

constexpr char kKey[] = "AIzaSyWireTestKey0123456789abcdefghijk";

// Two turns: a thought and a call, then (only if the signature came back) an answer.
constexpr char kSignedTools[] = R"({
  "name": "gemini-tools",
  "require_reasoning_back": true,
  "turns": [
    {"when": {"tool_results": 0}, "reasoning": "**Time** The user wants the time.",
     "tool_calls": [{"name": "get_time", "arguments": {"zone": "UTC"}}],
     "usage": {"input_tokens": 100, "output_tokens": 10, "reasoning_tokens": 40,
               "cache_read_tokens": 60}},
    {"when": {"tool_results": 1, "contains": "12:00"}, "text": "It is noon."}
  ]
})";

ToolSpec TimeTool() {
  return {"get_time",
          "The time",
          {{"type", "object"},
           {"additionalProperties", false},
           {"properties", {{"zone", {{"type", "string"}}}}}}};
}

class GeminiWireTest : public ::testing::TestWithParam<bool> {  // Param: stream.
 protected:
  void Start(std::string_view scenario) {
    auto server = mh::testing::FakeLlmServer::Start(scenario, {});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    transport_ = NewCurlTransport();
  }

  // gemini+http://127.0.0.1:PORT/v1beta#MODEL.
  std::string Name() const {
    return "gemini+http://127.0.0.1:" + std::to_string(server_->port()) +
           "/v1beta#gemini-2.5-flash";
  }

  std::unique_ptr<Model> Make(HttpTransport* transport = nullptr) {
    auto model = MakeModel(Name(), transport != nullptr ? *transport : *transport_,
                           MapEnv({{"MH_API_KEY", kKey}}), PriceTable::WithDefaults(), {});
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    return model.ok() ? std::move(*model) : nullptr;
  }

  ModelRequest Ask() const {
    ModelRequest request;
    request.messages.push_back(Message::User("What time is it?"));
    request.tools.push_back(TimeTool());
    request.stream = GetParam();
    return request;
  }

  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::unique_ptr<HttpTransport> transport_;
};

TEST_P(GeminiWireTest, TwoTurnFunctionCallPassesTheThoughtSignatureBack) {
  Start(kSignedTools);
  auto model = Make();
  ModelRequest request = Ask();
  Result<ModelResponse> first = CompleteBlocking(*model, request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->message.tool_calls.size(), 1u);
  const ToolCall& call = first->message.tool_calls[0];
  EXPECT_EQ(call.name, "get_time");
  EXPECT_EQ(call.arguments, Json({{"zone", "UTC"}}));
  EXPECT_TRUE(call.id.starts_with("mh-gemini-")) << "Gemini 2.5 sends calls without an id";
  EXPECT_EQ(first->message.Text(), "") << "thoughts are never answer text";
  EXPECT_EQ(first->message.ReasoningText(), "**Time** The user wants the time.");
  EXPECT_EQ(first->stop_reason, StopReason::kToolUse);
  EXPECT_EQ(first->usage, (Usage{.input_tokens = 100,
                                 .output_tokens = 10,
                                 .cache_read_tokens = 60,
                                 .reasoning_tokens = 40}));
  std::string signature;
  for (const Reasoning& r : first->message.reasoning) {
    if (r.origin == "gemini-signature" && r.tool_call_id == call.id) signature = r.signature;
  }
  ASSERT_FALSE(signature.empty());

  request.messages.push_back(first->message);
  request.messages.push_back(Message::ToolResult(call.id, "12:00"));
  Result<ModelResponse> second = CompleteBlocking(*model, request);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->message.Text(), "It is noon.");
  EXPECT_EQ(second->stop_reason, StopReason::kEndTurn);

  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["protocol"], "gemini");
  EXPECT_EQ(log[0]["model"], "gemini-2.5-flash");
  EXPECT_EQ(log[0]["stream"], GetParam());
  EXPECT_EQ(log[0]["path"], GetParam() ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
                                       : "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(log[0]["tools"], Json::array({"get_time"}));
  EXPECT_EQ(log[1]["tool_results"], 1);
  EXPECT_EQ(log[1]["thought_signatures"], Json::array({signature}));
  EXPECT_EQ(DumpJson(log[0]).find(kKey), std::string::npos) << "the key is never logged";
}

TEST_P(GeminiWireTest, ACallSentBackWithoutItsSignatureIsRefusedInGeminisWords) {
  Start(kSignedTools);
  auto model = Make();
  ModelRequest request = Ask();
  ToolCall call{.id = "mh-gemini-x-0", .name = "get_time"};
  request.messages.push_back(Message::Assistant("", {call}));
  request.messages.push_back(Message::ToolResult(call.id, "12:00"));
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reply.error().message().find(
                "HTTP 400 INVALID_ARGUMENT: Function call is missing a thought_signature"),
            std::string::npos)
      << reply.error().message();
}

TEST_P(GeminiWireTest, MaxTokensIsTruncation) {
  Start(R"({"name": "cut", "turns": [{"text": "The answer is", "stop_reason": "max_tokens"}]})");
  auto model = Make();
  Result<ModelResponse> reply = CompleteBlocking(*model, Ask());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->truncated());
  EXPECT_EQ(reply->message.Text(), "The answer is");
}

TEST_P(GeminiWireTest, MalformedFunctionCallIsAStopWithNoCall) {
  Start(R"({"name": "bad", "turns": [{"tool_calls": [{"name": "get_time", "arguments": {}}],
      "fault": {"kind": "malformed_tool_json"}}]})");
  auto model = Make();
  Result<ModelResponse> reply = CompleteBlocking(*model, Ask());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->stop_reason, StopReason::kOther);
  EXPECT_TRUE(reply->message.tool_calls.empty());
}

TEST_P(GeminiWireTest, ACutStreamIsAnErrorNeverAPartialReply) {
  Start(R"({"name": "cut", "turns": [{"text": "a long answer in many pieces", "chunk_chars": 4,
      "fault": {"kind": "cut_stream", "after_events": 2}}]})");
  auto model = Make();
  Result<ModelResponse> reply = CompleteBlocking(*model, Ask());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kUnavailable) << reply.error().message();
}

// Through RetryingTransport as the CLI runs it: RESOURCE_EXHAUSTED passes (unlike
// OpenAI's insufficient_quota, which words its message the same way).
TEST_P(GeminiWireTest, ResourceExhaustedIsRetriedAfterRetryAfter) {
  Start(R"({"name": "quota", "turns": [{"text": "done",
      "fault": {"kind": "http_status", "status": 429, "retry_after": "0", "times": 1,
                "message": "You exceeded your current quota, please check your plan and billing details."}}]})");
  auto retrying = NewRetryingTransport(*transport_, RetryPolicy{}, SystemClock(), 1);
  auto model = Make(retrying.get());
  Result<ModelResponse> reply = CompleteBlocking(*model, Ask());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->message.Text(), "done");
  EXPECT_EQ(server_->requests().size(), 2u);
}

TEST_P(GeminiWireTest, PermissionDeniedNamesTheKeyVariable) {
  Start(R"({"name": "denied", "turns": [{"text": "never",
      "fault": {"kind": "http_status", "status": 403,
                "message": "Method doesn't allow unregistered callers."}}]})");
  auto model = Make();
  Result<ModelResponse> reply = CompleteBlocking(*model, Ask());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(reply.error().message().find("HTTP 403 PERMISSION_DENIED"), std::string::npos)
      << reply.error().message();
  EXPECT_NE(reply.error().message().find("check MH_API_KEY"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(StreamOrNot, GeminiWireTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Stream" : "Whole"; });

}  // namespace
}  // namespace mh::llm
