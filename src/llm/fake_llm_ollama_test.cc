// Ollama's native API against mh-fake-llm over real HTTP: a tool-call conversation in two
// turns, num_ctx sized to the request, the warning when the server's context cut the
// prompt, and faults.
#include <gtest/gtest.h>

#include "llm/http_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"
#include "testing/fake_llm_server.h"

namespace mh::llm {
namespace {

using testing::MapEnv;

constexpr char kTwoTurns[] = R"({
  "name": "ollama-tools",
  "turns": [
    {"when": {"tool_results": 0, "protocol": "ollama"}, "reasoning": "Call the clock.",
     "text": "Let me check.", "tool_calls": [{"name": "get_time", "arguments": {"tz": "UTC"}}]},
    {"when": {"tool_results": 1, "last_contains": "12:00"}, "text": "It is noon."}
  ]
})";

class FakeLlmOllamaTest : public ::testing::TestWithParam<bool> {  // Param: stream.
 protected:
  void Start(std::string_view scenario) {
    auto server = mh::testing::FakeLlmServer::Start(scenario, {});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    transport_ = NewCurlTransport();
    auto model = MakeModel("ollama+" + server_->base_url() + "#qwen3", *transport_, MapEnv({}),
                           PriceTable(), {});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = std::move(*model);
  }

  ModelRequest Request(std::string prompt) {
    ModelRequest request;
    request.messages.push_back(Message::User(std::move(prompt)));
    request.tools.push_back({"get_time", "The time", {{"type", "object"}}});
    request.stream = GetParam();
    request.max_tokens = 2000;
    return request;
  }

  std::unique_ptr<mh::testing::FakeLlmServer> server_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<Model> model_;
};

TEST_P(FakeLlmOllamaTest, TwoTurnToolCallConversation) {
  Start(kTwoTurns);
  ModelRequest request = Request("What time is it?");
  testing::CallRecord heard;
  testing::RecordingObserver observer(heard);
  Result<ModelResponse> first = CompleteBlocking(*model_, request, &observer);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->message.Text(), "Let me check.");
  EXPECT_EQ(first->message.ReasoningText(), "Call the clock.");
  EXPECT_EQ(first->stop_reason, StopReason::kToolUse);
  ASSERT_EQ(first->message.tool_calls.size(), 1u);
  const ToolCall& call = first->message.tool_calls[0];
  EXPECT_EQ(call.name, "get_time");
  EXPECT_EQ(call.arguments, Json({{"tz", "UTC"}}));
  EXPECT_FALSE(call.id.empty());
  EXPECT_GT(first->usage.input_tokens, 0);
  EXPECT_GT(first->usage.output_tokens, 0);
  if (GetParam()) {
    EXPECT_EQ(heard.streamed_text, "Let me check.");
    EXPECT_EQ(heard.streamed_reasoning, "Call the clock.");
    ASSERT_EQ(heard.started_calls.size(), 1u);
  }

  request.messages.push_back(first->message);
  request.messages.push_back(Message::ToolResult(call.id, "12:00"));
  Result<ModelResponse> second = CompleteBlocking(*model_, request);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->message.Text(), "It is noon.");
  EXPECT_EQ(second->stop_reason, StopReason::kEndTurn);
  EXPECT_TRUE(second->prompt_cut_warning.empty());

  std::vector<Json> log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  for (const Json& r : log) {
    EXPECT_EQ(r["path"], "/api/chat");
    EXPECT_EQ(r["protocol"], "ollama");
    EXPECT_EQ(r["stream"], GetParam());
    EXPECT_EQ(r["num_ctx"], 4096);  // A small prompt plus 2000 tokens of reply.
  }
  EXPECT_EQ(log[1]["tool_results"], 1);
}

TEST_P(FakeLlmOllamaTest, AServerContextThatCutsThePromptIsReported) {
  Start(R"({"name": "small-context", "context_tokens": 2048, "turns": [{"text": "Sure."}]})");
  Result<ModelResponse> reply = CompleteBlocking(*model_, Request(std::string(40'000, 'x')));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->message.Text(), "Sure.");  // Looks whole...
  EXPECT_EQ(reply->usage.input_tokens, 2048);
  EXPECT_NE(reply->prompt_cut_warning.find("the server read 2048 prompt tokens of about "),
            std::string::npos)
      << reply->prompt_cut_warning;
  // num_ctx asked for enough: prompt (~10k tokens) plus the reply.
  EXPECT_EQ(server_->requests()[0]["num_ctx"], 16384);
  // Under the same server, a prompt that fits gets no warning.
  Result<ModelResponse> small = CompleteBlocking(*model_, Request("hi"));
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(small->prompt_cut_warning.empty());
}

TEST_P(FakeLlmOllamaTest, FaultsAreClearErrors) {
  Start(R"({"name": "faults", "turns": [
    {"when": {"contains": "cut"}, "text": "a long enough answer to be cut in half",
     "fault": {"kind": "cut_stream", "after_events": 1}},
    {"when": {"contains": "busy"}, "fault": {"kind": "http_status", "status": 503,
     "message": "server busy, please try again."}}]})");
  Result<ModelResponse> busy = CompleteBlocking(*model_, Request("busy"));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(busy.error().message().find("server busy, please try again."), std::string::npos)
      << busy.error().message();
  Result<ModelResponse> cut = CompleteBlocking(*model_, Request("cut"));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code(), StatusCode::kUnavailable) << cut.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(StreamAndNot, FakeLlmOllamaTest, ::testing::Bool());

}  // namespace
}  // namespace mh::llm
