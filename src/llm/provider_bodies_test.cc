// Real provider bodies (tests/provider_bodies, provenance in its README) played to the
// codecs: usage as each provider counts it, reasoning kept apart from the answer and sent
// back the way the provider requires, and the providers' own error words.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "llm/anthropic.h"
#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/openai_chat.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

std::string ReadBody(const std::string& name) {
  std::ifstream in(std::string(MH_PROVIDER_BODIES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A recorded `.chunks.txt` (one event's data per line) as the SSE stream it came in.
std::string SseFromChunks(const std::string& name, bool chat_done) {
  std::istringstream lines(ReadBody(name));
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Result<Json> data = ParseJson(line);
    std::string type = data.ok() && data->is_object() ? data->value("type", "") : "";
    if (!type.empty()) out += "event: " + type + "\n";
    out += "data: " + line + "\n\n";
  }
  if (chat_done) out += "data: [DONE]\n\n";
  return out;
}

struct Played {
  CallRecord record;
  std::vector<HttpRequest> requests;
};

Played Play(std::string_view model_name, const EnvLookup& env, testing::CannedReply reply,
            bool stream, ModelRequest request = {}) {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel(model_name, transport, env, PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  Played played;
  request.stream = stream;
  if (request.messages.empty()) request.messages.push_back(Message::User("weather in SF?"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(played.record));
  EXPECT_EQ(played.record.completions, 1);
  played.requests = transport.requests();
  return played;
}

const EnvLookup kXaiEnv = MapEnv({{"XAI_API_KEY", "xai-test-0123456789"}});
const EnvLookup kAnthropicEnv = MapEnv({{"ANTHROPIC_API_KEY", "sk-ant-test-0123456789"}});
const EnvLookup kNoEnv = MapEnv({});

TEST(XaiBodies, ReasoningTokensComeOnTopOfCompletionTokensAndAreBilled) {
  Played p = Play("xai/grok-4", kXaiEnv,
                  testing::Reply(200, "application/json", ReadBody("xai_grok3mini_tool_call.json")),
                  /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  // xAI: total 506 = 291 prompt + 26 completion + 189 reasoning; 244 of the prompt cached.
  EXPECT_EQ(r.usage.input_tokens, 291 - 244);
  EXPECT_EQ(r.usage.cache_read_tokens, 244);
  EXPECT_EQ(r.usage.output_tokens, 26);
  EXPECT_EQ(r.usage.reasoning_tokens, 189);
  EXPECT_EQ(r.usage.total(), 506);
  // grok-4's list price: reasoning is billed as output.
  EXPECT_NEAR(r.cost_usd, (47 * 3.0 + 244 * 0.75 + (26 + 189) * 15.0) / 1e6, 1e-12);
  EXPECT_EQ(r.message.Text(), "");
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_TRUE(r.message.reasoning[0].text.starts_with("First, the user is asking"));
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"location", "San Francisco"}}));
}

TEST(XaiBodies, StreamedReasoningIsHeardApartFromTheAnswer) {
  Played p = Play("xai/grok-4", kXaiEnv,
                  testing::Reply(200, "text/event-stream",
                                 SseFromChunks("xai_grok3mini_tool_call.chunks.txt", true), 97),
                  /*stream=*/true);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(p.record.streamed_reasoning, "First, the user is");
  EXPECT_EQ(p.record.streamed_text, "");
  EXPECT_EQ(r.message.ReasoningText(), "First, the user is");
  EXPECT_EQ(r.usage.input_tokens, 1);
  EXPECT_EQ(r.usage.cache_read_tokens, 290);
  EXPECT_EQ(r.usage.output_tokens, 26);
  EXPECT_EQ(r.usage.reasoning_tokens, 196);
  EXPECT_EQ(r.usage.total(), 513);
}

TEST(DeepSeekBodies, ReasoningInsideCompletionIsCountedOnceAndGoesBackOnToolTurns) {
  const char* kName = "http://127.0.0.1:1/v1#deepseek-v4-flash";
  Played p = Play(kName, kNoEnv,
                  testing::Reply(200, "application/json", ReadBody("deepseek_v4_tool_call.json")),
                  /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.usage.input_tokens, 374);
  EXPECT_EQ(r.usage.output_tokens, 60 - 16);
  EXPECT_EQ(r.usage.reasoning_tokens, 16);
  EXPECT_EQ(r.usage.total(), 434);

  // The next request carries the reasoning back on the tool-call turn (DeepSeek's
  // thinking mode answers 400 without it).
  ModelRequest next;
  next.messages = {Message::User("weather in SF?"), r.message,
                   Message::ToolResult(r.message.tool_calls[0].id, "sunny")};
  Result<ModelSpec> spec = ParseModelSpec(kName, kNoEnv);
  ASSERT_TRUE(spec.ok());
  Result<HttpRequest> http = NewOpenAiChatCodec(*spec)->Encode(next);
  ASSERT_TRUE(http.ok());
  Json assistant = (*ParseJson(http->body))["messages"][1];
  EXPECT_EQ(assistant["reasoning_content"],
            "The user asks about weather in San Francisco. I'll call the weather tool.");
  EXPECT_EQ(assistant["tool_calls"][0]["id"], "call_00_lCIkdHRa7AKmCG3TlxXz1061");
}

TEST(DeepSeekBodies, ReasonerAnswerTextHoldsNoReasoning) {
  Played p = Play("http://127.0.0.1:1/v1#deepseek-reasoner", kNoEnv,
                  testing::Reply(200, "application/json", ReadBody("deepseek_reasoner_text.json")),
                  /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok());
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.message.Text(), "Hello! How can I assist you today?");
  EXPECT_TRUE(r.message.ReasoningText().starts_with("Okay, the user wrote"));
  EXPECT_EQ(r.usage.output_tokens, 11);
  EXPECT_EQ(r.usage.reasoning_tokens, 81);
}

TEST(AnthropicBodies, ThinkingBlockGoesBackVerbatimBeforeToolUse) {
  std::string body = ReadBody("anthropic_thinking_tool_use.json");
  Played p = Play("anthropic/claude-sonnet-4-5", kAnthropicEnv,
                  testing::Reply(200, "application/json", body), /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.usage.input_tokens, 599);
  EXPECT_EQ(r.usage.output_tokens, 59 - 18);
  EXPECT_EQ(r.usage.reasoning_tokens, 18);
  EXPECT_EQ(r.message.Text(), "");

  ModelRequest next;
  next.messages = {Message::User("check"), r.message,
                   Message::ToolResult(r.message.tool_calls[0].id, "no errors")};
  Result<ModelSpec> spec = ParseModelSpec("anthropic/claude-sonnet-4-5", kAnthropicEnv);
  ASSERT_TRUE(spec.ok());
  Result<HttpRequest> http = NewAnthropicCodec(*spec)->Encode(next);
  ASSERT_TRUE(http.ok());
  Json sent = (*ParseJson(http->body))["messages"][1]["content"];
  Json original = (*ParseJson(body))["content"];
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], original[0]) << "the thinking block, signature and all, unchanged";
  EXPECT_EQ(sent[1]["type"], "tool_use");
  EXPECT_EQ(sent[1]["id"], original[1]["id"]);
}

TEST(AnthropicBodies, StreamedThinkingAndSignatureAreAssembled) {
  Played p = Play("anthropic/claude-sonnet-4-5", kAnthropicEnv,
                  testing::Reply(200, "text/event-stream",
                                 SseFromChunks("anthropic_thinking_text.chunks.txt", false), 61),
                  /*stream=*/true);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  const std::string thinking =
      "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185";
  EXPECT_EQ(p.record.streamed_reasoning, thinking);
  EXPECT_EQ(p.record.streamed_text, "925 ÷ 5 = 185");
  EXPECT_EQ(r.message.Text(), "925 ÷ 5 = 185");
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_EQ(r.message.reasoning[0].text, thinking);
  EXPECT_TRUE(r.message.reasoning[0].signature.starts_with("EvQBCkYICxgCKkAxhD4N"));
  EXPECT_TRUE(r.message.reasoning[0].signature.ends_with("Ca17BgB"));
  EXPECT_EQ(r.usage.input_tokens, 69);
  EXPECT_EQ(r.usage.output_tokens, 53);
}

TEST(ErrorBodies, OpenAiBillingErrorIsNotARateLimit) {
  Played p =
      Play("openai/gpt-5", MapEnv({{"OPENAI_API_KEY", "sk-test-0123456789"}}),
           testing::Reply(429, "application/json", ReadBody("openai_429_insufficient_quota.json")),
           /*stream=*/true);
  ASSERT_FALSE(p.record.result->ok());
  const Status& error = p.record.result->error();
  EXPECT_EQ(error.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(error.message(),
            "openai: HTTP 429 insufficient_quota: You exceeded your current quota, please check "
            "your plan and billing details. (1 attempt: retrying cannot help)");
}

TEST(ErrorBodies, OpenRouterReasonFromMetadataRaw) {
  Played p =
      Play("http://127.0.0.1:1/api/v1#z-ai/glm-5.3-flash", kNoEnv,
           testing::Reply(429, "application/json", ReadBody("openrouter_429_metadata_raw.json")),
           /*stream=*/true);
  ASSERT_FALSE(p.record.result->ok());
  const Status& error = p.record.result->error();
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << "an upstream rate limit passes";
  EXPECT_NE(error.message().find("Provider returned error (BaseTen: z-ai/glm-5.3-flash is "
                                 "temporarily rate-limited upstream."),
            std::string::npos)
      << error.message();
}

TEST(ErrorBodies, LlamaCppThatCannotStreamToolsIsAskedAgainWhole) {
  FakeTransport transport;
  transport.Enqueue(
      testing::Reply(500, "application/json", ReadBody("llamacpp_500_tools_with_stream.json")));
  transport.Enqueue(
      testing::Reply(200, "application/json", ReadBody("deepseek_reasoner_text.json")));
  Result<std::unique_ptr<Model>> model =
      MakeModel("llamacpp/qwen3", transport, kNoEnv, PriceTable());
  ASSERT_TRUE(model.ok());
  ModelRequest request;
  request.messages.push_back(Message::User("hello"));
  request.tools.push_back({"get_time", "The time", {{"type", "object"}}});
  request.stream = true;
  CallRecord record;
  (*model)->Complete(request, std::make_unique<RecordingObserver>(record));
  ASSERT_EQ(record.completions, 1);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ((*record.result)->message.Text(), "Hello! How can I assist you today?");
  ASSERT_EQ(transport.requests().size(), 2u);
  EXPECT_EQ((*ParseJson(transport.requests()[0].body))["stream"], true);
  EXPECT_EQ((*ParseJson(transport.requests()[1].body))["stream"], false);
}

}  // namespace
}  // namespace mh::llm
