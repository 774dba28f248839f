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
#include "llm/openai_responses.h"
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
const EnvLookup kOpenAiEnv = MapEnv({{"OPENAI_API_KEY", "sk-test-0123456789"}});

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

// The next request after `reply`, as the Responses codec encodes it.
Json ResponsesInputAfter(const ModelResponse& reply) {
  ModelRequest next;
  next.messages = {Message::User("go on"), reply.message};
  if (!reply.message.tool_calls.empty()) {
    next.messages.push_back(Message::ToolResult(reply.message.tool_calls[0].id, "19"));
  }
  Result<ModelSpec> spec = ParseModelSpec("openai-responses/gpt-5-mini", kOpenAiEnv);
  EXPECT_TRUE(spec.ok());
  Result<HttpRequest> http = NewOpenAiResponsesCodec(*spec)->Encode(next);
  EXPECT_TRUE(http.ok());
  return (*ParseJson(http->body))["input"];
}

TEST(ResponsesBodies, ReasoningItemWithEncryptedContentGoesBackVerbatim) {
  std::string body = ReadBody("openai_responses_reasoning_encrypted.json");
  Played p = Play("openai-responses/gpt-5-mini", kOpenAiEnv,
                  testing::Reply(200, "application/json", body), /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.message.Text(), "12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570");
  EXPECT_TRUE(r.message.ReasoningText().starts_with("**Reporting final result**"));
  EXPECT_EQ(r.stop_reason, StopReason::kEndTurn);
  EXPECT_EQ(r.model, "gpt-5-mini-2025-08-07");
  // 865 + 163 = 1028: reasoning (128) is inside output_tokens, counted once.
  EXPECT_EQ(r.usage.input_tokens, 865);
  EXPECT_EQ(r.usage.cache_read_tokens, 0);
  EXPECT_EQ(r.usage.output_tokens, 163 - 128);
  EXPECT_EQ(r.usage.reasoning_tokens, 128);
  EXPECT_EQ(r.usage.total(), 1028);
  EXPECT_NEAR(r.cost_usd, (865 * 0.25 + 163 * 2.0) / 1e6, 1e-12);

  Json input = ResponsesInputAfter(r);
  Json original = (*ParseJson(body))["output"][0];
  ASSERT_GE(input.size(), 3u);
  EXPECT_EQ(input[1], original) << "id, summary and encrypted_content, unchanged";
  EXPECT_EQ(input[2]["role"], "assistant");
  EXPECT_EQ(input[2]["content"][0]["text"], r.message.Text());
}

TEST(ResponsesBodies, StreamedReasoningSummaryAndCallAreAssembledAndGoBack) {
  Played p = Play(
      "openai-responses/gpt-5-mini", kOpenAiEnv,
      testing::Reply(200, "text/event-stream",
                     SseFromChunks("openai_responses_reasoning_tool_call.chunks.txt", false), 89),
      /*stream=*/true);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  const std::string summary =
      "**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7, then multiply the "
      "result by 3, and finally multiply that by 10, reporting the final product.";
  EXPECT_EQ(p.record.streamed_reasoning, summary);
  EXPECT_EQ(p.record.streamed_text, "");
  ASSERT_EQ(p.record.started_calls.size(), 1u);
  EXPECT_EQ(p.record.started_calls[0].id, "call_AB6AaRZ1FYZB2RwS6A5vbdqn");
  EXPECT_EQ(p.record.started_calls[0].name, "calculator");
  EXPECT_EQ(r.message.Text(), "");
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  const Reasoning& reasoning = r.message.reasoning[0];
  EXPECT_EQ(reasoning.id, "rs_01830d662ab3856501693c321405c88190be3ab04d5782d5f9");
  EXPECT_EQ(reasoning.text, summary);
  // output_item.added carries a provisional encrypted_content; the done item's is kept.
  EXPECT_TRUE(reasoning.encrypted.starts_with("gAAAAABpPDIVOKrs")) << reasoning.encrypted;
  EXPECT_TRUE(reasoning.encrypted.ends_with("0wz4uQ=="));
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"a", 12}, {"b", 7}, {"op", "add"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 134, .output_tokens = 28}));
  EXPECT_EQ(r.model, "gpt-5.1-codex-max");

  Json input = ResponsesInputAfter(r);
  ASSERT_EQ(input.size(), 4u) << input.dump(2);
  EXPECT_EQ(input[1]["type"], "reasoning") << "the reasoning goes back before its call";
  EXPECT_EQ(input[1]["encrypted_content"], reasoning.encrypted);
  EXPECT_EQ(input[1]["summary"][0]["text"], summary);
  EXPECT_EQ(input[2]["type"], "function_call");
  EXPECT_EQ(input[2]["call_id"], "call_AB6AaRZ1FYZB2RwS6A5vbdqn");
  EXPECT_EQ(input[3]["type"], "function_call_output");
}

TEST(ResponsesBodies, Gpt51StreamedToolCall) {
  Played p =
      Play("openai-responses/gpt-5.1", kOpenAiEnv,
           testing::Reply(200, "text/event-stream",
                          SseFromChunks("openai_responses_gpt51_tool_call.chunks.txt", false), 53),
           /*stream=*/true);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  ASSERT_EQ(p.record.started_calls.size(), 1u);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].id, "call_2FQdm3Br7Qb35YUBSkDR7kue");
  EXPECT_EQ(r.message.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"city", "Beijing"}}));
  EXPECT_TRUE(r.message.reasoning.empty());
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 45, .output_tokens = 25}));
}

TEST(ErrorBodies, ResponsesQuotaErrorEventIsBillingNotARateLimit) {
  Played p = Play("openai-responses/gpt-5-nano", kOpenAiEnv,
                  testing::Reply(200, "text/event-stream",
                                 SseFromChunks("openai_responses_error_quota.chunks.txt", false)),
                  /*stream=*/true);
  ASSERT_FALSE(p.record.result->ok());
  const Status& error = p.record.result->error();
  EXPECT_EQ(error.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(error.message().starts_with(
      "openai-responses: insufficient_quota: You exceeded your current quota"))
      << error.message();
}

TEST(ErrorBodies, ResponsesFailedEventCarriesTheProvidersWords) {
  Played p =
      Play("openai-responses/gpt-4o-mini", kOpenAiEnv,
           testing::Reply(200, "text/event-stream",
                          SseFromChunks("openai_responses_failed_rate_limit.chunks.txt", false)),
           /*stream=*/true);
  ASSERT_FALSE(p.record.result->ok());
  const Status& error = p.record.result->error();
  EXPECT_EQ(error.code(), StatusCode::kUnavailable);
  EXPECT_EQ(error.message(),
            "openai-responses: rate_limit_exceeded: Request too large for gpt-4o-mini in "
            "organization on tokens per min (TPM): Limit 30000, Requested 35364.");
}

}  // namespace
}  // namespace mh::llm
