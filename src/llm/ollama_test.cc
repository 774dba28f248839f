#include "llm/ollama.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/ndjson.h"
#include "llm/prompt_check.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::CannedReply;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

ModelSpec OllamaSpec() {
  Result<ModelSpec> spec = ParseModelSpec("ollama/qwen3", MapEnv({}));
  EXPECT_TRUE(spec.ok());
  return *spec;
}

Json EncodeBody(const ModelRequest& request, HttpRequest* http = nullptr, ModelLimits limits = {}) {
  Result<HttpRequest> encoded = NewOllamaCodec(OllamaSpec(), {}, limits)->Encode(request);
  EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
  if (http != nullptr) *http = *encoded;
  return *ParseJson(encoded->body);
}

ToolCall Call(std::string id, std::string name, Json arguments) {
  ToolCall call;
  call.id = std::move(id);
  call.name = std::move(name);
  call.arguments = std::move(arguments);
  call.raw_arguments = DumpJson(call.arguments);
  return call;
}

// One call of `model_name` answered by `reply`, as ProviderModel plays it.
struct Played {
  CallRecord record;
  std::vector<HttpRequest> requests;
};

Played Play(CannedReply reply, ModelRequest request, ModelOptions options = {},
            std::string_view model_name = "ollama/qwen3") {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel(model_name, transport, MapEnv({}), PriceTable(), std::move(options));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  Played played;
  if (request.messages.empty()) request.messages.push_back(Message::User("weather in Paris?"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(played.record));
  EXPECT_EQ(played.record.completions, 1);
  played.requests = transport.requests();
  return played;
}

ModelRequest Streamed(bool stream = true) {
  ModelRequest request;
  request.stream = stream;
  return request;
}

std::string Lines(const std::vector<Json>& chunks) {
  std::string out;
  for (const Json& c : chunks) out += DumpJson(c) + "\n";
  return out;
}

TEST(OllamaEncode, EncodesEveryMessageKindAsTheNativeApiWantsIt) {
  ModelRequest request;
  request.system_prompt = "You are an engineer.";
  Message with_image;
  with_image.parts = {ContentPart::Text("What is this?"), ContentPart::Image("image/png", "iVBOR")};
  request.messages.push_back(with_image);
  Message assistant = Message::Assistant(
      "Let me look.",
      {Call("call_1", "bash", {{"command", "ls"}}), Call("call_2", "read", Json::object())});
  assistant.reasoning.push_back({.origin = "ollama", .text = "List first."});
  assistant.reasoning.push_back(
      {.origin = "anthropic", .text = "not for Ollama", .signature = "s"});
  request.messages.push_back(assistant);
  request.messages.push_back(Message::ToolResult("call_1", "a.txt\nb.txt"));
  request.messages.push_back(Message::ToolResult("call_2", "no file", /*is_error=*/true));
  request.tools.push_back({"bash", "Runs a command", {{"type", "object"}}});
  request.max_tokens = 1000;
  request.temperature = 0.5;
  request.think = true;
  HttpRequest http;
  Json body = EncodeBody(request, &http);

  EXPECT_EQ(http.url, "http://127.0.0.1:11434/api/chat");
  for (const HttpHeader& h : http.headers) EXPECT_NE(h.name, "Authorization");
  EXPECT_EQ(body["model"], "qwen3");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["think"], true);
  EXPECT_EQ(body["options"]["num_predict"], 1000);
  EXPECT_EQ(body["options"]["temperature"], 0.5);
  EXPECT_FALSE(body.contains("max_tokens"));
  const Json& m = body["messages"];
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], Json({{"role", "system"}, {"content", "You are an engineer."}}));
  EXPECT_EQ(m[1], Json({{"role", "user"}, {"content", "What is this?"}, {"images", {"iVBOR"}}}));
  EXPECT_EQ(m[2]["content"], "Let me look.");
  EXPECT_EQ(m[2]["thinking"], "List first.");  // Only Ollama's own thinking goes back.
  // Arguments go as an object, not a JSON string.
  EXPECT_EQ(m[2]["tool_calls"][0]["function"],
            Json({{"index", 0}, {"name", "bash"}, {"arguments", {{"command", "ls"}}}}));
  EXPECT_EQ(m[2]["tool_calls"][1]["function"]["arguments"], Json::object());
  EXPECT_EQ(m[3], Json({{"role", "tool"},
                        {"content", "a.txt\nb.txt"},
                        {"tool_name", "bash"},
                        {"tool_call_id", "call_1"}}));
  EXPECT_EQ(m[4]["tool_name"], "read");
  EXPECT_EQ(body["tools"][0], Json({{"type", "function"},
                                    {"function",
                                     {{"name", "bash"},
                                      {"description", "Runs a command"},
                                      {"parameters", {{"type", "object"}}}}}}));
}

TEST(OllamaEncode, StreamFalseThinkUnsetAndNoTools) {
  ModelRequest request = Streamed(false);
  request.messages.push_back(Message::User("hi"));
  HttpRequest http;
  Json body = EncodeBody(request, &http);
  EXPECT_EQ(body["stream"], false);  // Ollama streams unless told not to: always said.
  EXPECT_FALSE(body.contains("think"));
  EXPECT_FALSE(body.contains("tools"));
  bool accepts_json = false;
  for (const HttpHeader& h : http.headers) accepts_json |= h.value == "application/json";
  EXPECT_TRUE(accepts_json);
}

TEST(OllamaEncode, ToolResultWithoutCallIdIsRefused) {
  ModelRequest request;
  request.messages.push_back(Message::ToolResult("", "x"));
  Result<HttpRequest> http = NewOllamaCodec(OllamaSpec())->Encode(request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code(), StatusCode::kInvalidArgument);
}

TEST(OllamaContext, SizedToThePromptPlusTheOutputInPowersOfTwo) {
  EXPECT_EQ(OllamaContextSize(100, 1000, {}), 4096);  // Never below Ollama's default.
  EXPECT_EQ(OllamaContextSize(3000, 1096, {}), 4096);
  EXPECT_EQ(OllamaContextSize(3000, 1097, {}), 8192);
  EXPECT_EQ(OllamaContextSize(20'000, 8192, {}), 32768);
  EXPECT_EQ(OllamaContextSize(20'000, 8192, {.context_window = 24'000}), 24'000);
  EXPECT_EQ(OllamaContextSize(1'000, 1'000, {.context_window = 2'048}), 2'048);
}

TEST(OllamaContext, NumCtxHoldsALongConversationAndItsReply) {
  ModelRequest request;
  for (int i = 0; i < 40; ++i) {
    request.messages.push_back(
        Message::User("question " + std::to_string(i) + std::string(900, 'q')));
    request.messages.push_back(Message::Assistant(std::string(900, 'a')));
  }
  request.max_tokens = 4096;
  Json body = EncodeBody(request);
  int64_t prompt_tokens = static_cast<int64_t>(DumpJson(body).size() / 4);
  int64_t num_ctx = body["options"]["num_ctx"];
  EXPECT_GE(num_ctx, prompt_tokens + 4096);
  EXPECT_EQ(num_ctx, 32768);
  // Capped at the model's window; ProviderModel fits num_predict into what is left.
  ModelOptions options;
  options.limits.context_window = 20'000;
  Played p = Play(testing::Reply(200, "application/x-ndjson",
                                 Lines({{{"message", {{"content", "ok"}}}, {"done", true}}})),
                  request, options);
  Json sent = *ParseJson(p.requests[0].body);
  EXPECT_EQ(sent["options"]["num_ctx"], 20'000);
  EXPECT_LT(sent["options"]["num_predict"].get<int64_t>(), 4096);
}

TEST(OllamaDecode, WholeReplyWithThinkingToolCallsAndUsage) {
  std::string body = DumpJson(
      {{"model", "qwen3"},
       {"created_at", "2025-08-01T10:00:00Z"},
       {"message",
        {{"role", "assistant"},
         {"content", ""},
         {"thinking", "The user wants weather."},
         {"tool_calls",
          {{{"function", {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}}}},
           {{"id", "call_srv"},
            {"function", {{"index", 1}, {"name", "get_time"}, {"arguments", Json::object()}}}}}}}},
       {"done", true},
       {"done_reason", "stop"},
       {"prompt_eval_count", 122},
       {"eval_count", 33}});
  Played p = Play(testing::Reply(200, "application/json; charset=utf-8", body), Streamed(false));
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);  // Ollama says "stop" after tool calls.
  EXPECT_EQ(r.message.Text(), "");
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_EQ(r.message.reasoning[0].origin, "ollama");
  EXPECT_EQ(r.message.ReasoningText(), "The user wants weather.");
  ASSERT_EQ(r.message.tool_calls.size(), 2u);
  EXPECT_EQ(r.message.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"city", "Paris"}}));
  EXPECT_TRUE(r.message.tool_calls[0].id.starts_with("call_0_"));  // Made up: Ollama gave none.
  EXPECT_EQ(r.message.tool_calls[1].id, "call_srv");               // Kept when it gives one.
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 122, .output_tokens = 33}));
  EXPECT_EQ(r.model, "qwen3");
  EXPECT_TRUE(r.prompt_cut_warning.empty());
}

TEST(OllamaDecode, MadeUpCallIdsDifferAcrossReplies) {
  auto reply = [](const char* created) {
    return DumpJson({{"created_at", created},
                     {"message", {{"tool_calls", {{{"function", {{"name", "ls"}}}}}}}},
                     {"done", true}});
  };
  Played a = Play(testing::Reply(200, "application/json", reply("t1")), Streamed(false));
  Played b = Play(testing::Reply(200, "application/json", reply("t2")), Streamed(false));
  ASSERT_TRUE(a.record.result->ok() && b.record.result->ok());
  EXPECT_NE((*a.record.result)->message.tool_calls[0].id,
            (*b.record.result)->message.tool_calls[0].id);
}

TEST(OllamaStream, AssemblesNdjsonSplitAnywhere) {
  std::string stream = Lines({
      {{"model", "qwen3"},
       {"message", {{"role", "assistant"}, {"content", ""}, {"thinking", "Hm, "}}},
       {"done", false}},
      {{"model", "qwen3"},
       {"message", {{"role", "assistant"}, {"content", ""}, {"thinking", "weather."}}},
       {"done", false}},
      {{"model", "qwen3"},
       {"message", {{"role", "assistant"}, {"content", "Héllo "}}},
       {"done", false}},
      {{"model", "qwen3"},
       {"message", {{"role", "assistant"}, {"content", "there."}}},
       {"done", false}},
      {{"model", "qwen3"},
       {"message",
        {{"role", "assistant"},
         {"content", ""},
         {"tool_calls",
          {{{"function", {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}}}}}}}},
       {"done", false}},
      {{"model", "qwen3"},
       {"message", {{"role", "assistant"}, {"content", ""}}},
       {"done", true},
       {"done_reason", "stop"},
       {"prompt_eval_count", 26},
       {"eval_count", 12}},
  });
  for (size_t piece : {size_t{1}, size_t{7}, stream.size()}) {
    Played p = Play(testing::Reply(200, "application/x-ndjson", stream, piece), Streamed());
    ASSERT_TRUE(p.record.result->ok()) << piece << ": " << p.record.result->status().ToString();
    const ModelResponse& r = **p.record.result;
    EXPECT_EQ(r.message.Text(), "Héllo there.");
    EXPECT_EQ(p.record.streamed_text, "Héllo there.");
    EXPECT_EQ(p.record.streamed_reasoning, "Hm, weather.");
    EXPECT_EQ(r.message.ReasoningText(), "Hm, weather.");  // Never in the answer text.
    ASSERT_EQ(p.record.started_calls.size(), 1u);
    ASSERT_EQ(r.message.tool_calls.size(), 1u);
    EXPECT_EQ(r.message.tool_calls[0].id, p.record.started_calls[0].id);
    EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"city", "Paris"}}));
    EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
    EXPECT_EQ(r.usage, (Usage{.input_tokens = 26, .output_tokens = 12}));
  }
}

TEST(OllamaStream, CrLfLinesAndAServerThatSaysTextPlain) {
  std::string stream =
      "{\"message\":{\"content\":\"a\"},\"done\":false}\r\n\r\n"
      "{\"message\":{\"content\":\"b\"},\"done\":true,\"done_reason\":\"stop\"}\r\n";
  Played p = Play(testing::Reply(200, "text/plain; charset=utf-8", stream, 5), Streamed());
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  EXPECT_EQ((*p.record.result)->message.Text(), "ab");
}

TEST(OllamaStream, DoneReasonLengthIsTruncated) {
  std::string stream = Lines({{{"message",
                                {{
                                     "content",
                                     "",
                                 },
                                 {"thinking", "long thoughts"}}},
                               {"done", false}},
                              {{"message", {{"content", ""}}},
                               {"done", true},
                               {"done_reason", "length"},
                               {"eval_count", 64}}});
  Played p = Play(testing::Reply(200, "application/x-ndjson", stream), Streamed());
  ASSERT_TRUE(p.record.result->ok());
  const ModelResponse& r = **p.record.result;
  EXPECT_TRUE(r.truncated());
  EXPECT_TRUE(r.only_reasoning());
  Played whole = Play(
      testing::Reply(
          200, "application/json",
          DumpJson({{"message", {{"content", "cut"}}}, {"done", true}, {"done_reason", "length"}})),
      Streamed(false));
  EXPECT_TRUE((*whole.record.result)->truncated());
}

TEST(OllamaErrors, HttpErrorBodyIsTheProvidersWords) {
  Played p = Play(testing::Reply(404, "application/json",
                                 R"({"error":"model \"qwen9\" not found, try pulling it first"})"),
                  Streamed());
  ASSERT_FALSE(p.record.result->ok());
  const Status& s = p.record.result->error();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not found, try pulling it first"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ollama"), std::string::npos);
}

TEST(OllamaErrors, ErrorLineInsideAStreamEndsTheCall) {
  std::string stream = Lines({{{"message", {{"content", "Yes"}}}, {"done", false}},
                              {{"error", "an error was encountered while running the model"}}});
  Played p = Play(testing::Reply(200, "application/x-ndjson", stream), Streamed());
  ASSERT_FALSE(p.record.result->ok());
  EXPECT_EQ(p.record.result->error().code(), StatusCode::kUnavailable);  // The runner failed.
  EXPECT_NE(p.record.result->error().message().find("error was encountered"), std::string::npos);
}

TEST(OllamaErrors, CutAndMalformedStreamsAreErrorsNotReplies) {
  std::string whole = Lines({{{"message", {{"content", "Hello"}}}, {"done", false}},
                             {{"message", {{"content", "!"}}}, {"done", true}}});
  // Cut between lines: no "done".
  Played cut =
      Play(testing::Reply(200, "application/x-ndjson", whole.substr(0, whole.find('\n') + 1)),
           Streamed());
  ASSERT_FALSE(cut.record.result->ok());
  EXPECT_EQ(cut.record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(cut.record.result->error().message().find("stream cut"), std::string::npos);
  // Cut inside a line.
  Played mid = Play(testing::Reply(200, "application/x-ndjson", whole.substr(0, whole.size() - 5)),
                    Streamed());
  ASSERT_FALSE(mid.record.result->ok());
  EXPECT_EQ(mid.record.result->error().code(), StatusCode::kUnavailable);
  // A line that is not JSON.
  Played bad = Play(testing::Reply(200, "application/x-ndjson", "{\"message\":\n"), Streamed());
  ASSERT_FALSE(bad.record.result->ok());
  EXPECT_EQ(bad.record.result->error().code(), StatusCode::kUnavailable);
  // A whole body that is not the protocol.
  Played other =
      Play(testing::Reply(200, "application/json", R"({"choices":[]})"), Streamed(false));
  ASSERT_FALSE(other.record.result->ok());
  EXPECT_EQ(other.record.result->error().code(), StatusCode::kFailedPrecondition);
}

TEST(OllamaStream, ANonStreamingBodyToAStreamedRequestIsDecodedWhole) {
  std::string body = "{\n  \"message\": {\"content\": \"whole\"},\n  \"done\": true\n}";
  Played p = Play(testing::Reply(200, "application/json", body), Streamed());
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  EXPECT_EQ((*p.record.result)->message.Text(), "whole");
}

TEST(Ndjson, LinesSplitAnywhereAndTheLineCap) {
  NdjsonParser parser(/*max_line=*/16);
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  ASSERT_TRUE(parser.Feed("{\"a\":1}\n\n{\"b\"", collect).ok());
  EXPECT_TRUE(parser.HasPartialLine());
  ASSERT_TRUE(parser.Feed(":2}\r\n", collect).ok());
  EXPECT_FALSE(parser.HasPartialLine());
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  // A line over the cap fails, without growing, and the parser stays failed.
  Status s = parser.Feed(std::string(10, 'x'), collect);
  ASSERT_TRUE(s.ok());
  s = parser.Feed(std::string(10, 'x'), collect);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(parser.Feed("\n", collect).code(), StatusCode::kResourceExhausted);
  NdjsonParser whole(/*max_line=*/8);
  EXPECT_EQ(whole.Feed("0123456789\n", collect).code(), StatusCode::kResourceExhausted);
}

TEST(PromptCheck, WarnsWhenTheServerReadMuchLessThanWasSent) {
  EXPECT_EQ(PromptCutWarning(2048, 9000),
            "the server read 2048 prompt tokens of about 9000 sent: it may have cut the prompt "
            "(raise its context, e.g. num_ctx)");
  EXPECT_EQ(PromptCutWarning(7000, 9000), "");  // Within the estimate's slack.
  EXPECT_EQ(PromptCutWarning(0, 9000), "");     // No count reported (a cached prompt, say).
  EXPECT_EQ(PromptCutWarning(100, 400), "");    // Too small to judge.
}

TEST(PromptCheck, AReplyToACutPromptCarriesTheWarning) {
  ModelRequest request = Streamed();
  request.messages.push_back(Message::User(std::string(40'000, 'x')));  // ~10k tokens.
  std::string stream = Lines({{{"message", {{"content", "ok"}}}, {"done", false}},
                              {{"message", {{"content", ""}}},
                               {"done", true},
                               {"done_reason", "stop"},
                               {"prompt_eval_count", 4096},
                               {"eval_count", 1}}});
  Played p = Play(testing::Reply(200, "application/x-ndjson", stream), request);
  ASSERT_TRUE(p.record.result->ok());
  const ModelResponse& r = **p.record.result;
  EXPECT_GT(r.estimated_prompt_tokens, 10'000);
  EXPECT_NE(r.prompt_cut_warning.find("the server read 4096 prompt tokens of about "),
            std::string::npos)
      << r.prompt_cut_warning;
  // The same prompt read whole: no warning.
  std::string whole = Lines({{{"message", {{"content", "ok"}}},
                              {"done", true},
                              {"prompt_eval_count", 10'010},
                              {"eval_count", 1}}});
  Played ok = Play(testing::Reply(200, "application/x-ndjson", whole), request);
  ASSERT_TRUE(ok.record.result->ok());
  EXPECT_TRUE((*ok.record.result)->prompt_cut_warning.empty());
}

// Bodies published by Ollama (tests/provider_bodies, provenance in its README).
std::string ReadBody(const std::string& name) {
  std::ifstream in(std::string(MH_PROVIDER_BODIES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(OllamaBodies, DocumentedToolCallHasArgumentsAsAnObjectAndNoId) {
  Played p = Play(testing::Reply(200, "application/json; charset=utf-8",
                                 ReadBody("ollama_chat_tool_call.json")),
                  Streamed(false));
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  const ToolCall& call = r.message.tool_calls[0];
  EXPECT_EQ(call.name, "get_current_weather");
  EXPECT_TRUE(call.arguments_ok());
  EXPECT_EQ(call.arguments, Json({{"format", "celsius"}, {"location", "Paris, FR"}}));
  EXPECT_FALSE(call.id.empty());
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 122, .output_tokens = 33}));
  EXPECT_EQ(r.model, "llama3.2");
  // Sent back: arguments as the same object, and the result names its tool.
  ModelRequest next = Streamed(false);
  next.messages.push_back(Message::User("weather?"));
  next.messages.push_back(r.message);
  next.messages.push_back(Message::ToolResult(call.id, "22C"));
  Json body = EncodeBody(next);
  EXPECT_EQ(body["messages"][1]["tool_calls"][0]["function"]["arguments"], call.arguments);
  EXPECT_EQ(body["messages"][2]["tool_name"], "get_current_weather");
}

TEST(OllamaBodies, DocumentedStreamEndsWithTheCountsAndNoDoneReason) {
  Played p =
      Play(testing::Reply(200, "application/x-ndjson", ReadBody("ollama_chat_stream.ndjson"), 9),
           Streamed());
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  EXPECT_EQ(r.message.Text(), "The");
  EXPECT_EQ(r.stop_reason, StopReason::kEndTurn);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 26, .output_tokens = 282}));
}

TEST(OllamaBodies, DocumentedErrorMidStreamIsTheError) {
  Played p =
      Play(testing::Reply(200, "application/x-ndjson", ReadBody("ollama_stream_error.ndjson")),
           Streamed());
  ASSERT_FALSE(p.record.result->ok());
  EXPECT_EQ(p.record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(
      p.record.result->error().message().find("an error was encountered while running the model"),
      std::string::npos);
}

}  // namespace
}  // namespace mh::llm
