// The providers end to end: real HTTP over loopback (CurlTransport) against the
// in-process fake LLM server, for both protocols, streaming and not.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "llm/http_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"
#include "testing/fake_llm_server.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::MapEnv;
using testing::RecordingObserver;

constexpr char kKey[] = "mh-endpoint-key-e2e-0123456789";

constexpr char kRoundTrip[] = R"({
  "name": "round-trip",
  "model": "fake-model",
  "turns": [
    {"when": {"tool_results": 0, "offers_tool": "bash"},
     "text": "I will run it.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "echo hi", "timeout": 5}}],
     "chunk_chars": 3},
    {"when": {"tool_results": 1, "last_contains": "hi"}, "text": "Done: it printed hi."}
  ]
})";

std::string Scenario(std::string_view turn) {
  return R"({"name": "one", "model": "fake-model", "turns": [)" + std::string(turn) + "]}";
}

ToolSpec BashTool() {
  return {"bash",
          "Runs a shell command",
          {{"type", "object"},
           {"properties", {{"command", {{"type", "string"}}}, {"timeout", {{"type", "integer"}}}}},
           {"required", {"command"}}}};
}

ModelRequest FirstRequest(bool stream) {
  ModelRequest request;
  request.system_prompt = "You are an engineer.";
  request.messages.push_back(Message::User("Say hi with the shell."));
  request.tools.push_back(BashTool());
  request.stream = stream;
  return request;
}

struct Protocol {
  std::string name;    // For test names.
  std::string prefix;  // Before the server's URL in the model name.
  bool stream;
};

class FakeLlmE2eTest : public ::testing::TestWithParam<Protocol> {
 protected:
  void StartServer(std::string_view scenario) {
    auto server = mh::testing::FakeLlmServer::Start(scenario, {});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    transport_ = NewCurlTransport();
  }

  // A model on `transport` (the curl one unless given).
  std::unique_ptr<Model> MakeTestModel(HttpTransport* transport = nullptr) {
    std::string name = GetParam().prefix + server_->base_url() + "#fake-model";
    auto model = MakeModel(name, transport != nullptr ? *transport : *transport_,
                           MapEnv({{"MH_API_KEY", kKey}}), PriceTable(), {});
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    return model.ok() ? std::move(*model) : nullptr;
  }

  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::unique_ptr<HttpTransport> transport_;
};

TEST_P(FakeLlmE2eTest, ToolCallRoundTrip) {
  StartServer(kRoundTrip);
  std::unique_ptr<Model> model = MakeTestModel();
  ASSERT_NE(model, nullptr);
  ModelRequest request = FirstRequest(GetParam().stream);
  CallRecord record;
  RecordingObserver observer(record);
  Result<ModelResponse> first = CompleteBlocking(*model, request, &observer);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->message.Text(), "I will run it.");
  EXPECT_EQ(first->stop_reason, StopReason::kToolUse);
  ASSERT_EQ(first->message.tool_calls.size(), 1u);
  const ToolCall& call = first->message.tool_calls[0];
  EXPECT_EQ(call.name, "bash");
  EXPECT_EQ(call.arguments, Json({{"command", "echo hi"}, {"timeout", 5}}));
  EXPECT_FALSE(call.id.empty());
  EXPECT_GT(first->usage.input_tokens, 0);
  EXPECT_GT(first->usage.output_tokens, 0);
  if (GetParam().stream) {
    EXPECT_EQ(record.streamed_text, "I will run it.");
    ASSERT_EQ(record.started_calls.size(), 1u);
    EXPECT_EQ(record.started_calls[0].id, call.id);
  }

  request.messages.push_back(first->message);
  request.messages.push_back(Message::ToolResult(call.id, "hi\n"));
  Result<ModelResponse> second = CompleteBlocking(*model, request);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->message.Text(), "Done: it printed hi.");
  EXPECT_EQ(second->stop_reason, StopReason::kEndTurn);

  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1]["tool_results"], 1);
  EXPECT_EQ(log[1]["stream"], GetParam().stream);
  EXPECT_EQ(log[0]["tools"], Json::array({"bash"}));
}

TEST_P(FakeLlmE2eTest, MalformedToolArgumentsStillCompleteTheCall) {
  StartServer(Scenario(R"({"tool_calls": [{"name": "bash", "arguments": {"command": "ls"}}],
                            "fault": {"kind": "malformed_tool_json"}})"));
  std::unique_ptr<Model> model = MakeTestModel();
  Result<ModelResponse> r = CompleteBlocking(*model, FirstRequest(GetParam().stream));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_FALSE(r->message.tool_calls[0].arguments_ok());
  EXPECT_FALSE(r->message.tool_calls[0].raw_arguments.empty());
}

TEST_P(FakeLlmE2eTest, HtmlFromAMisconfiguredProxyIsAClearError) {
  StartServer(Scenario(R"({"text": "never", "fault": {"kind": "html"}})"));
  std::unique_ptr<Model> model = MakeTestModel();
  Result<ModelResponse> r = CompleteBlocking(*model, FirstRequest(GetParam().stream));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("expected JSON from " + server_->base_url()),
            std::string::npos);
  EXPECT_NE(r.error().message().find("text/html"), std::string::npos);
}

TEST_P(FakeLlmE2eTest, CutReplyIsAnErrorNotAPartialReply) {
  StartServer(Scenario(R"({"text": "a fairly long answer that will not arrive whole",
                            "fault": {"kind": "cut_stream"}})"));
  std::unique_ptr<Model> model = MakeTestModel();
  Result<ModelResponse> r = CompleteBlocking(*model, FirstRequest(GetParam().stream));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
  if (GetParam().stream) {
    EXPECT_NE(r.error().message().find("stream cut after"), std::string::npos)
        << r.error().ToString();
  }
  EXPECT_EQ(r.error().message().find(kKey), std::string::npos);
}

TEST_P(FakeLlmE2eTest, RateLimitedOnceThenAnsweredThroughTheRetryingTransport) {
  StartServer(Scenario(R"({"text": "after the wait",
      "fault": {"kind": "http_status", "status": 429, "retry_after": "0", "times": 1}})"));
  RetryPolicy policy;
  policy.base_delay = std::chrono::milliseconds(1);
  std::unique_ptr<HttpTransport> retrying =
      NewRetryingTransport(*transport_, policy, SystemClock(), /*seed=*/7);
  std::unique_ptr<Model> model = MakeTestModel(retrying.get());
  Result<ModelResponse> r = CompleteBlocking(*model, FirstRequest(GetParam().stream));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->message.Text(), "after the wait");
  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["status"], 429);
  EXPECT_EQ(log[1]["status"], 200);
}

TEST_P(FakeLlmE2eTest, ProtocolErrorStatusCarriesTheServersMessage) {
  StartServer(Scenario(R"({"when": {"contains": "nothing matches this"}, "text": "x"})"));
  std::unique_ptr<Model> model = MakeTestModel();
  Result<ModelResponse> r = CompleteBlocking(*model, FirstRequest(GetParam().stream));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("HTTP 400"), std::string::npos) << r.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(Protocols, FakeLlmE2eTest,
                         ::testing::Values(Protocol{"ChatStreaming", "", true},
                                           Protocol{"ChatWhole", "", false},
                                           Protocol{"AnthropicStreaming", "anthropic+", true},
                                           Protocol{"AnthropicWhole", "anthropic+", false},
                                           Protocol{"ResponsesStreaming", "responses+", true},
                                           Protocol{"ResponsesWhole", "responses+", false}),
                         [](const ::testing::TestParamInfo<Protocol>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace mh::llm
