// The model layer against mh-fake-llm over real HTTP: usage as each provider reports it,
// reasoning kept and passed back where the provider refuses a turn without it, and the
// providers' error shapes.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "llm/http_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"
#include "testing/fake_llm_server.h"

namespace mh::llm {
namespace {

using testing::MapEnv;

// Two turns: reasoning and a tool call, then (only if the reasoning came back) an answer.
constexpr char kThinkingTools[] = R"({
  "name": "thinking-tools",
  "require_reasoning_back": true,
  "turns": [
    {"when": {"tool_results": 0}, "reasoning": "The user wants the time; call the tool.",
     "tool_calls": [{"name": "get_time", "arguments": {}}],
     "usage": {"input_tokens": 100, "output_tokens": 10, "reasoning_tokens": 40,
               "cache_read_tokens": 60}},
    {"when": {"tool_results": 1}, "text": "It is noon.", "reasoning": "Answer now."}
  ]
})";

ToolSpec TimeTool() { return {"get_time", "The time", {{"type", "object"}}}; }

class FakeLlmWireTest : public ::testing::TestWithParam<bool> {  // Param: stream.
 protected:
  void Start(std::string_view scenario) {
    auto server = mh::testing::FakeLlmServer::Start(scenario, {});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    transport_ = NewCurlTransport();
  }

  std::unique_ptr<Model> Make(const std::string& name, EnvLookup env = MapEnv({})) {
    auto model = MakeModel(name, *transport_, env, PriceTable::WithDefaults(), {});
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    return model.ok() ? std::move(*model) : nullptr;
  }

  // Runs the tool loop: request, tool result "12:00", request again.
  std::vector<Result<ModelResponse>> TwoTurns(Model& model) {
    ModelRequest request;
    request.messages.push_back(Message::User("What time is it?"));
    request.tools.push_back(TimeTool());
    request.stream = GetParam();
    std::vector<Result<ModelResponse>> replies;
    replies.push_back(CompleteBlocking(model, request));
    if (!replies.back().ok() || replies.back()->message.tool_calls.empty()) return replies;
    request.messages.push_back(replies.back()->message);
    request.messages.push_back(
        Message::ToolResult(replies.back()->message.tool_calls[0].id, "12:00"));
    replies.push_back(CompleteBlocking(model, request));
    return replies;
  }

  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::unique_ptr<HttpTransport> transport_;
};

TEST_P(FakeLlmWireTest, ChatReasoningGoesBackAndUsageIsSplitOnce) {
  Start(kThinkingTools);
  auto model = Make(server_->base_url() + "#deepseek-v4");
  std::vector<Result<ModelResponse>> replies = TwoTurns(*model);
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[0].ok()) << replies[0].status().ToString();
  ASSERT_TRUE(replies[1].ok()) << replies[1].status().ToString();
  EXPECT_EQ(replies[0]->message.ReasoningText(), "The user wants the time; call the tool.");
  EXPECT_EQ(replies[0]->message.Text(), "");
  EXPECT_EQ(replies[0]->usage, (Usage{.input_tokens = 100,
                                      .output_tokens = 10,
                                      .cache_read_tokens = 60,
                                      .reasoning_tokens = 40}));
  EXPECT_EQ(replies[1]->message.Text(), "It is noon.") << "no reasoning in the answer text";
  EXPECT_EQ(replies[1]->message.ReasoningText(), "Answer now.");
}

TEST_P(FakeLlmWireTest, AnthropicThinkingGoesBackSigned) {
  Start(kThinkingTools);
  auto model = Make("anthropic+" + server_->base_url() + "#claude-sonnet-4-5");
  std::vector<Result<ModelResponse>> replies = TwoTurns(*model);
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[1].ok()) << replies[1].status().ToString();
  ASSERT_EQ(replies[0]->message.reasoning.size(), 1u);
  EXPECT_FALSE(replies[0]->message.reasoning[0].signature.empty());
  EXPECT_EQ(replies[0]->usage.reasoning_tokens, 0) << "Anthropic reports no thinking count here";
  EXPECT_EQ(replies[0]->usage.output_tokens, 50) << "thinking is inside output_tokens";
  EXPECT_EQ(replies[0]->usage.cache_read_tokens, 60);
  EXPECT_EQ(replies[1]->message.Text(), "It is noon.");
}

TEST_P(FakeLlmWireTest, ServerRefusesATurnWithoutItsReasoning) {
  Start(kThinkingTools);
  auto model = Make(server_->base_url() + "#deepseek-v4");
  ModelRequest request;
  request.tools.push_back(TimeTool());
  request.stream = GetParam();
  ToolCall call{.id = "call_1", .name = "get_time"};
  request.messages = {Message::User("What time is it?"), Message::Assistant("", {call}),
                      Message::ToolResult("call_1", "12:00")};
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reply.error().message().find("reasoning_content in the thinking mode must be passed"),
            std::string::npos)
      << reply.error().message();
}

TEST_P(FakeLlmWireTest, XaiReasoningOnTopOfCompletionIsCounted) {
  Start(R"({"name": "xai", "turns": [{"text": "42",
      "usage": {"input_tokens": 30, "output_tokens": 2, "reasoning_tokens": 300,
                "reasoning_apart": true}}]})");
  auto model = Make("xai/grok-4", MapEnv({{"XAI_API_KEY", "xai-wire-test-key-123456"},
                                          {"MH_XAI_BASE_URL", server_->base_url()}}));
  ModelRequest request;
  request.messages.push_back(Message::User("answer?"));
  request.stream = GetParam();
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->usage.output_tokens, 2);
  EXPECT_EQ(reply->usage.reasoning_tokens, 300);
  EXPECT_NEAR(reply->cost_usd, (30 * 3.0 + 302 * 15.0) / 1e6, 1e-12);
}

TEST_P(FakeLlmWireTest, CacheWritesAreNotPlainInput) {
  Start(R"({"name": "cache", "turns": [{"text": "ok",
      "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_tokens": 500,
                "cache_write_tokens": 2000}}]})");
  for (std::string prefix : {"", "anthropic+", "responses+"}) {
    auto model = Make(prefix + server_->base_url() + "#m");
    ModelRequest request;
    request.messages.push_back(Message::User("hi"));
    request.stream = GetParam();
    Result<ModelResponse> reply = CompleteBlocking(*model, request);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->usage.input_tokens, 10) << prefix;
    EXPECT_EQ(reply->usage.cache_read_tokens, 500) << prefix;
    EXPECT_EQ(reply->usage.cache_write_tokens, 2000) << prefix;
  }
}

// Through RetryingTransport as the CLI runs it: an error that cannot succeed is not resent.
TEST_P(FakeLlmWireTest, BillingErrorFailsAtOnceWithTheProvidersWords) {
  Start(R"({"name": "quota", "turns": [{"text": "never",
      "fault": {"kind": "http_status", "status": 429, "retry_after": "1",
                "error_type": "insufficient_quota",
                "message": "You exceeded your current quota, please check your plan and billing details."}}]})");
  auto retrying = NewRetryingTransport(*transport_, RetryPolicy{}, SystemClock(), 1);
  auto model = MakeModel(server_->base_url() + "#gpt-5", *retrying, MapEnv({}), PriceTable(), {});
  ASSERT_TRUE(model.ok());
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  request.stream = GetParam();
  Result<ModelResponse> reply = CompleteBlocking(**model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(reply.error().message().find("You exceeded your current quota"), std::string::npos)
      << reply.error().message();
  EXPECT_NE(reply.error().message().find("1 attempt"), std::string::npos);
  EXPECT_EQ(server_->requests().size(), 1u) << "billing errors are not retried";
}

TEST_P(FakeLlmWireTest, ServerThatCannotStreamToolsGetsOneWholeRequestAndIsRemembered) {
  Start(R"({"name": "old-llama", "turns": [
      {"when": {"stream": true, "offers_tool": "get_time"},
       "fault": {"kind": "http_status", "status": 500, "error_type": "server_error",
                 "message": "Cannot use tools with stream"}},
      {"text": "It is noon."}]})");
  auto retrying = NewRetryingTransport(*transport_, RetryPolicy{}, SystemClock(), 1);
  auto model =
      MakeModel("llamacpp/qwen3", *retrying,
                MapEnv({{"MH_LLAMACPP_BASE_URL", server_->base_url() + "/v1"}}), PriceTable(), {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ModelRequest request;
  request.messages.push_back(Message::User("What time is it?"));
  request.tools.push_back(TimeTool());
  request.stream = true;
  for (int call = 0; call < 2; ++call) {
    Result<ModelResponse> reply = CompleteBlocking(**model, request);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->message.Text(), "It is noon.");
  }
  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 3u) << "one refused streamed request, then whole ones only";
  EXPECT_EQ(log[0]["stream"], true);
  EXPECT_EQ(log[1]["stream"], false);
  EXPECT_EQ(log[2]["stream"], false) << "the model remembers the server cannot stream tools";
}

TEST_P(FakeLlmWireTest, OpenRouterUpstreamReasonIsInTheMessage) {
  Start(R"({"name": "router", "turns": [{"text": "x",
      "fault": {"kind": "http_status", "status": 429, "message": "Provider returned error",
                "metadata_raw": "z-ai/glm is temporarily rate-limited upstream."}}]})");
  auto model = Make(server_->base_url() + "#z-ai/glm");
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  request.stream = GetParam();
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.error().message().find(
                "Provider returned error (FakeUpstream: z-ai/glm is temporarily rate-limited"),
            std::string::npos)
      << reply.error().message();
}

TEST_P(FakeLlmWireTest, PartlyMaskedKeyInA401IsRedactedAndAUserAgentIsSent) {
  Start(R"({"name": "bad-key", "turns": [{"text": "x",
      "fault": {"kind": "http_status", "status": 401, "error_type": "invalid_request_error",
                "message": "Incorrect API key provided: sk-secr*****-test. You can find your API key at https://platform.openai.com/account/api-keys."}}]})");
  auto model = Make(server_->base_url() + "#gpt-5", MapEnv({{"MH_API_KEY", "sk-other-key-42"}}));
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  request.stream = GetParam();
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(reply.error().message().find("sk-secr"), std::string::npos) << reply.error().message();
  EXPECT_NE(reply.error().message().find("Incorrect API key provided: [REDACTED]."),
            std::string::npos)
      << reply.error().message();
  std::string agent = server_->requests().at(0)["headers"].value("user-agent", "");
  EXPECT_TRUE(agent.starts_with("macrohard/")) << agent;
}

TEST_P(FakeLlmWireTest, ResponsesReasoningItemGoesBackEncryptedAndUsageIsSplitOnce) {
  Start(kThinkingTools);
  auto model = Make("responses+" + server_->base_url() + "/v1#gpt-5");
  std::vector<Result<ModelResponse>> replies = TwoTurns(*model);
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[0].ok()) << replies[0].status().ToString();
  ASSERT_TRUE(replies[1].ok()) << replies[1].status().ToString();
  ASSERT_EQ(replies[0]->message.reasoning.size(), 1u);
  const Reasoning& reasoning = replies[0]->message.reasoning[0];
  EXPECT_EQ(reasoning.text, "The user wants the time; call the tool.");
  EXPECT_TRUE(reasoning.id.starts_with("rs_")) << reasoning.id;
  EXPECT_FALSE(reasoning.encrypted.empty()) << "asked for with include";
  EXPECT_EQ(replies[0]->message.Text(), "");
  EXPECT_EQ(replies[0]->usage, (Usage{.input_tokens = 100,
                                      .output_tokens = 10,
                                      .cache_read_tokens = 60,
                                      .reasoning_tokens = 40}));
  EXPECT_EQ(replies[1]->message.Text(), "It is noon.") << "no reasoning in the answer text";
  EXPECT_EQ(replies[1]->message.ReasoningText(), "Answer now.");
  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["path"], "/v1/responses");
  EXPECT_EQ(log[0]["reasoning_back"], 0);
  EXPECT_EQ(log[1]["reasoning_back"], 1) << "the reasoning item went back";
  EXPECT_EQ(log[1]["status"], 200);
}

TEST_P(FakeLlmWireTest, ResponsesServerRefusesACallWithoutItsReasoning) {
  Start(kThinkingTools);
  auto model = Make("responses+" + server_->base_url() + "/v1#gpt-5");
  ModelRequest request;
  request.tools.push_back(TimeTool());
  request.stream = GetParam();
  ToolCall call{.id = "call_1", .name = "get_time"};
  Message assistant = Message::Assistant("", {call});
  // Reasoning without encrypted content cannot go back statelessly: it is left out.
  assistant.reasoning.push_back({.origin = "openai-responses", .text = "t", .id = "rs_1"});
  request.messages = {Message::User("What time is it?"), assistant,
                      Message::ToolResult("call_1", "12:00")};
  Result<ModelResponse> reply = CompleteBlocking(*model, request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reply.error().message().find("input[1]: function_call item was provided without"),
            std::string::npos)
      << reply.error().message();
}

TEST_P(FakeLlmWireTest, ResponsesTruncationAndMidStreamErrors) {
  Start(R"({"name": "cut", "turns": [
      {"when": {"contains": "long"}, "text": "It was a dark and", "stop_reason": "max_output_tokens"},
      {"when": {"contains": "fail"}, "text": "x",
       "fault": {"kind": "stream_error", "error_type": "server_error",
                 "message": "The model produced invalid content."}}]})");
  auto model = Make("responses+" + server_->base_url() + "/v1#gpt-5");
  ModelRequest request;
  request.messages.push_back(Message::User("a long story"));
  request.stream = GetParam();
  Result<ModelResponse> cut = CompleteBlocking(*model, request);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_TRUE(cut->truncated());
  EXPECT_EQ(cut->message.Text(), "It was a dark and");

  request.messages = {Message::User("fail please")};
  Result<ModelResponse> failed = CompleteBlocking(*model, request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.error().message(),
            "responses-compatible: server_error: The model produced invalid content.");
}

INSTANTIATE_TEST_SUITE_P(StreamOrNot, FakeLlmWireTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Stream" : "Whole"; });

}  // namespace
}  // namespace mh::llm
