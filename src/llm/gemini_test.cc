#include "llm/gemini.h"

#include <gtest/gtest.h>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/model_limits.h"
#include "llm/test_observer.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::CannedReply;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

constexpr char kKey[] = "AIzaSyTestKey0123456789abcdefghijklmno";

EnvLookup Env() { return MapEnv({{"GEMINI_API_KEY", kKey}}); }

ModelSpec FlashSpec() {
  Result<ModelSpec> spec = ParseModelSpec("gemini/gemini-2.5-flash", Env());
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return *spec;
}

Json EncodeBody(const ModelRequest& request, HttpRequest* http = nullptr,
                ModelSpec spec = FlashSpec()) {
  Result<HttpRequest> encoded = NewGeminiCodec(std::move(spec))->Encode(request);
  EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
  if (!encoded.ok()) return Json::object();
  if (http != nullptr) *http = *encoded;
  return *ParseJson(encoded->body);
}

std::string Header(const HttpRequest& http, std::string_view name) {
  for (const HttpHeader& h : http.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

ToolCall Call(std::string id, std::string name, Json args) {
  ToolCall call;
  call.id = std::move(id);
  call.name = std::move(name);
  call.arguments = std::move(args);
  call.raw_arguments = DumpJson(call.arguments);
  return call;
}

TEST(GeminiEncode, UrlKeyHeaderSystemAndTurns) {
  ModelRequest request;
  request.system_prompt = "You are an engineer.";
  request.messages.push_back(Message::System("Be brief."));
  Message user;
  user.parts = {ContentPart::Text("Look:"), ContentPart::Image("image/png", "iVBOR")};
  request.messages.push_back(user);
  request.messages.push_back(Message::Assistant("Seen."));
  request.messages.push_back(Message::User("Next?"));
  request.max_tokens = 1000;
  request.temperature = 0.2;
  HttpRequest http;
  Json body = EncodeBody(request, &http);

  EXPECT_EQ(http.url,
            "https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.5-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(http.url.find(kKey), std::string::npos);  // The key never goes in the URL.
  EXPECT_EQ(Header(http, "x-goog-api-key"), kKey);
  EXPECT_EQ(body["systemInstruction"]["parts"][0]["text"], "You are an engineer.\n\nBe brief.");
  const Json& c = body["contents"];
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0]["role"], "user");
  EXPECT_EQ(c[0]["parts"][1]["inlineData"], Json({{"mimeType", "image/png"}, {"data", "iVBOR"}}));
  EXPECT_EQ(c[1]["role"], "model");
  EXPECT_EQ(c[1]["parts"][0], Json({{"text", "Seen."}}));
  EXPECT_EQ(body["generationConfig"]["maxOutputTokens"], 1000);
  EXPECT_EQ(body["generationConfig"]["temperature"], 0.2);
  EXPECT_EQ(body["generationConfig"]["thinkingConfig"], Json({{"includeThoughts", true}}));
  EXPECT_FALSE(body.contains("model"));  // The model is in the URL.

  request.stream = false;
  EncodeBody(request, &http);
  EXPECT_EQ(http.url,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:"
            "generateContent");
}

TEST(GeminiEncode, OlderModelsGetNoThinkingConfig) {
  Result<ModelSpec> spec = ParseModelSpec("gemini/gemini-2.0-flash", Env());
  ASSERT_TRUE(spec.ok());
  Json body = EncodeBody(ModelRequest{}, nullptr, *spec);
  EXPECT_FALSE(body["generationConfig"].contains("thinkingConfig"));
  EXPECT_TRUE(GeminiModelThinks("gemini-3-pro-preview"));
  EXPECT_TRUE(GeminiModelThinks("models/gemini-2.5-pro"));
  EXPECT_FALSE(GeminiModelThinks("gemini-1.5-pro"));
}

TEST(GeminiEncode, ToolCallsResultsAndSignaturesGoBackOnTheirParts) {
  ModelRequest request;
  request.messages.push_back(Message::User("list and read"));
  Message turn = Message::Assistant("Looking.", {Call("mh-gemini-r1-0", "ls", {{"path", "."}}),
                                                 Call("fc-7", "read", {{"file", "a"}})});
  turn.reasoning.push_back({.origin = "gemini", .text = "**Plan** list first", .signature = ""});
  turn.reasoning.push_back(
      {.origin = "gemini-signature", .signature = "SIG-CALL", .tool_call_id = "mh-gemini-r1-0"});
  turn.reasoning.push_back({.origin = "reasoning_content", .text = "not ours"});
  request.messages.push_back(turn);
  request.messages.push_back(Message::ToolResult("mh-gemini-r1-0", "a b"));
  request.messages.push_back(Message::ToolResult("fc-7", "no such file", /*is_error=*/true));
  Json c = EncodeBody(request)["contents"];
  ASSERT_EQ(c.size(), 3u);
  const Json& model = c[1]["parts"];
  ASSERT_EQ(model.size(), 4u);
  EXPECT_EQ(model[0], Json({{"text", "**Plan** list first"}, {"thought", true}}));
  EXPECT_EQ(model[1], Json({{"text", "Looking."}}));
  // A made-up id is not sent; the model's own id is.
  EXPECT_EQ(model[2], Json({{"functionCall", {{"name", "ls"}, {"args", {{"path", "."}}}}},
                            {"thoughtSignature", "SIG-CALL"}}));
  EXPECT_EQ(model[3]["functionCall"]["id"], "fc-7");
  EXPECT_FALSE(model[3].contains("thoughtSignature"));
  const Json& results = c[2]["parts"];  // Both results in one user turn.
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0],
            Json({{"functionResponse", {{"name", "ls"}, {"response", {{"output", "a b"}}}}}}));
  EXPECT_EQ(results[1]["functionResponse"]["id"], "fc-7");
  EXPECT_EQ(results[1]["functionResponse"]["name"], "read");
  EXPECT_EQ(results[1]["functionResponse"]["response"], Json({{"error", "no such file"}}));
}

TEST(GeminiEncode, ATextTurnsSignatureAndThoughtSignaturesComeBack) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  Message turn = Message::Assistant("Hello.");
  turn.reasoning.push_back({.origin = "gemini", .text = "greet", .signature = "SIG-T"});
  turn.reasoning.push_back({.origin = "gemini-signature", .signature = "SIG-TEXT"});
  request.messages.push_back(turn);
  request.messages.push_back(Message::User("again"));
  Json parts = EncodeBody(request)["contents"][1]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], Json({{"text", "greet"}, {"thought", true}, {"thoughtSignature", "SIG-T"}}));
  EXPECT_EQ(parts[1], Json({{"text", "Hello."}, {"thoughtSignature", "SIG-TEXT"}}));
}

TEST(GeminiEncode, AToolResultForAnUnknownCallIsRefused) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  request.messages.push_back(Message::ToolResult("nobody", "x"));
  Result<HttpRequest> http = NewGeminiCodec(FlashSpec())->Encode(request);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(http.error().message().find("'nobody'"), std::string::npos);
}

TEST(GeminiSchema, DropsWhatGeminiRefusesAndKeepsWhatItTakes) {
  Json schema = Json::parse(R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "title": "Args",
    "properties": {
      "path": {"type": "string", "description": "file", "default": ".", "format": "uri"},
      "when": {"type": "string", "format": "date-time"},
      "mode": {"enum": ["r", "w"]},
      "kind": {"const": "file"},
      "count": {"type": ["integer", "null"], "minimum": 1, "format": "int64"},
      "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
      "opt": {"anyOf": [{"type": "string"}, {"type": "null"}]},
      "either": {"oneOf": [{"type": "string"}, {"type": "number"}]},
      "node": {"$ref": "#/$defs/Node"},
      "free": {"type": "object", "additionalProperties": true}
    },
    "required": ["path", "ghost"],
    "$defs": {"Node": {"type": "object", "properties": {"id": {"type": "integer"}}}}
  })");
  Json out = GeminiSchema(schema);
  Json expected = Json::parse(R"({
    "type": "OBJECT",
    "properties": {
      "path": {"type": "STRING", "description": "file"},
      "when": {"type": "STRING", "format": "date-time"},
      "mode": {"type": "STRING", "format": "enum", "enum": ["r", "w"]},
      "kind": {"type": "STRING", "format": "enum", "enum": ["file"]},
      "count": {"type": "INTEGER", "nullable": true, "minimum": 1, "format": "int64"},
      "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "maxItems": 3},
      "opt": {"type": "STRING", "nullable": true},
      "either": {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]},
      "node": {"type": "OBJECT", "properties": {"id": {"type": "INTEGER"}}},
      "free": {"type": "OBJECT"}
    },
    "required": ["path"]
  })");
  EXPECT_EQ(out, expected) << out.dump(2);
}

TEST(GeminiSchema, RecursiveRefsStopAndToolsWithoutParametersDeclareNone) {
  Json schema = Json::parse(R"({"$ref": "#/$defs/T", "$defs": {"T": {"type": "object",
      "properties": {"child": {"$ref": "#/$defs/T"}}}}})");
  Json out = GeminiSchema(schema);  // Ends, a few levels deep.
  EXPECT_EQ(out["type"], "OBJECT");
  ModelRequest request;
  request.tools.push_back(
      {"now", "The time", {{"type", "object"}, {"properties", Json::object()}}});
  request.tools.push_back(
      {"ls", "List", {{"type", "object"}, {"properties", {{"p", {{"type", "string"}}}}}}});
  Json decls = EncodeBody(request)["tools"][0]["functionDeclarations"];
  ASSERT_EQ(decls.size(), 2u);
  EXPECT_EQ(decls[0], Json({{"name", "now"}, {"description", "The time"}}));
  EXPECT_EQ(decls[1]["parameters"]["properties"]["p"]["type"], "STRING");
}

CallRecord RunCall(CannedReply reply, bool stream, FakeTransport* transport_out = nullptr) {
  FakeTransport local;
  FakeTransport& transport = transport_out != nullptr ? *transport_out : local;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel("gemini/gemini-2.5-flash", transport, Env(), PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok());
  CallRecord record;
  ModelRequest request;
  request.stream = stream;
  request.messages.push_back(Message::User("hi"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(record));
  EXPECT_EQ(record.completions, 1);
  return record;
}

TEST(GeminiDecode, WholeReplyWithThoughtsCallsSignaturesAndUsage) {
  Json body = Json::parse(R"({
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "**Listing**\nI will list.", "thought": true},
        {"functionCall": {"name": "ls", "args": {"path": "."}}, "thoughtSignature": "CsEBAb4+9v"},
        {"functionCall": {"name": "cat", "args": {"file": "a"}}}]},
      "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 30,
      "cachedContentTokenCount": 1000, "thoughtsTokenCount": 70, "totalTokenCount": 1300},
    "modelVersion": "gemini-2.5-flash", "responseId": "abc123"})");
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "");  // Thoughts are never answer text.
  EXPECT_EQ(r.message.ReasoningText(), "**Listing**\nI will list.");
  ASSERT_EQ(r.message.tool_calls.size(), 2u);
  EXPECT_EQ(r.message.tool_calls[0].id, "mh-gemini-abc123-0");
  EXPECT_EQ(r.message.tool_calls[1].id, "mh-gemini-abc123-1");
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"path", "."}}));
  ASSERT_EQ(r.message.reasoning.size(), 2u);
  EXPECT_EQ(r.message.reasoning[1].origin, "gemini-signature");
  EXPECT_EQ(r.message.reasoning[1].signature, "CsEBAb4+9v");
  EXPECT_EQ(r.message.reasoning[1].tool_call_id, "mh-gemini-abc123-0");
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 200,
                            .output_tokens = 30,
                            .cache_read_tokens = 1000,
                            .reasoning_tokens = 70}));
  EXPECT_EQ(r.usage.total(), 1300);
  EXPECT_NEAR(r.cost_usd, (200 * 0.30 + 30 * 2.50 + 1000 * 0.03 + 70 * 2.50) / 1e6, 1e-12);
  EXPECT_EQ(r.model, "gemini-2.5-flash");
}

TEST(GeminiDecode, MaxTokensIsTruncatedAndSafetyIsAFlaggedStop) {
  Json body = {{"candidates",
                {{{"content", {{"parts", {{{"text", "The answer is"}}}}}},
                  {"finishReason", "MAX_TOKENS"}}}}};
  CallRecord cut = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(cut.result->ok());
  EXPECT_TRUE((*cut.result)->truncated());
  body = {{"candidates", {{{"finishReason", "SAFETY"}, {"index", 0}}}}};
  CallRecord safety = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(safety.result->ok());
  EXPECT_EQ((*safety.result)->stop_reason, StopReason::kContentFilter);
  EXPECT_EQ((*safety.result)->message.Text(), "");
}

TEST(GeminiDecode, ABlockedPromptIsAClearError) {
  Json body = {{"promptFeedback", {{"blockReason", "PROHIBITED_CONTENT"}}},
               {"usageMetadata", {{"promptTokenCount", 9}, {"totalTokenCount", 9}}}};
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(record.result->error().message().find("blocked (PROHIBITED_CONTENT)"),
            std::string::npos);
}

std::string Chunk(Json parts, std::string finish = "", Json usage = Json::object()) {
  Json candidate = {{"content", {{"role", "model"}, {"parts", std::move(parts)}}}, {"index", 0}};
  if (!finish.empty()) candidate["finishReason"] = finish;
  Json chunk = {{"candidates", Json::array({candidate})},
                {"modelVersion", "gemini-2.5-flash"},
                {"responseId", "s1"}};
  if (!usage.empty()) chunk["usageMetadata"] = usage;
  return DumpJson(chunk);
}

TEST(GeminiStream, AssemblesThoughtsTextAndAWholeCallWithoutDone) {
  std::string sse = testing::SseBody({
      {"", Chunk({{{"text", "Think "}, {"thought", true}}}, "", {{"promptTokenCount", 10}})},
      {"", Chunk({{{"text", "more."}, {"thought", true}}})},
      {"", Chunk({{{"text", "Let me "}}})},
      {"", Chunk({{{"text", "look."}}})},
      {"", Chunk({{{"functionCall", {{"name", "ls"}, {"args", {{"path", "/"}}}, {"id", "c9"}}},
                   {"thoughtSignature", "SIGX"}}},
                 "STOP",
                 {{"promptTokenCount", 10},
                  {"candidatesTokenCount", 8},
                  {"thoughtsTokenCount", 4},
                  {"totalTokenCount", 22}})},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse, 7), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ(record.streamed_text, "Let me look.");
  EXPECT_EQ(record.streamed_reasoning, "Think more.");
  ASSERT_EQ(record.started_calls.size(), 1u);
  EXPECT_EQ(record.started_calls[0].id, "c9");
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Let me look.");
  ASSERT_EQ(r.message.reasoning.size(), 2u);
  EXPECT_EQ(r.message.reasoning[0].text, "Think more.");
  EXPECT_EQ(r.message.reasoning[1].tool_call_id, "c9");
  EXPECT_EQ(r.message.tool_calls.at(0).arguments, Json({{"path", "/"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 10, .output_tokens = 8, .reasoning_tokens = 4}));
}

TEST(GeminiStream, AStreamWithoutAFinishReasonIsACut) {
  std::string sse = testing::SseBody({{"", Chunk({{{"text", "Half"}}})}});
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(record.result->error().message().find("gemini: stream cut after 1 events"),
            std::string::npos);
}

TEST(GeminiStream, AnErrorChunkEndsTheCall) {
  std::string sse = testing::SseBody(
      {{"", Chunk({{{"text", "a"}}})},
       {"",
        R"({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})"}});
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(record.result->error().message(), "gemini: UNAVAILABLE: The model is overloaded.");
}

TEST(GeminiErrors, StatusesAreClassifiedAsTheOtherProviders) {
  struct Case {
    int http;
    std::string status;
    StatusCode code;
  };
  for (const Case& c : {Case{400, "INVALID_ARGUMENT", StatusCode::kInvalidArgument},
                        Case{403, "PERMISSION_DENIED", StatusCode::kPermissionDenied},
                        Case{429, "RESOURCE_EXHAUSTED", StatusCode::kUnavailable},
                        Case{500, "INTERNAL", StatusCode::kUnavailable}}) {
    Json body = {{"error",
                  {{"code", c.http},
                   {"message",
                    "You exceeded your current quota, please check your plan and "
                    "billing details."},
                   {"status", c.status}}}};
    CallRecord record = RunCall(testing::Reply(c.http, "application/json", DumpJson(body)), false);
    ASSERT_FALSE(record.result->ok());
    EXPECT_EQ(record.result->error().code(), c.code) << c.status;
    EXPECT_NE(record.result->error().message().find("HTTP " + std::to_string(c.http) + " " +
                                                    c.status + ": You exceeded"),
              std::string::npos)
        << record.result->error().message();
    // Gemini's 429 (per-minute quotas) is retried, unlike OpenAI's insufficient_quota.
    if (c.http == 429) {
      EXPECT_EQ(record.result->error().message().find("cannot help"), std::string::npos);
    }
  }
}

TEST(GeminiUsage, CachedInsidePromptThoughtsApartToolPromptIsInput) {
  Json u = {{"promptTokenCount", 500},       {"cachedContentTokenCount", 300},
            {"candidatesTokenCount", 40},    {"thoughtsTokenCount", 60},
            {"toolUsePromptTokenCount", 25}, {"totalTokenCount", 625}};
  Usage usage = UsageFromProviderJson(u);
  EXPECT_EQ(usage, (Usage{.input_tokens = 225,
                          .output_tokens = 40,
                          .cache_read_tokens = 300,
                          .reasoning_tokens = 60}));
  EXPECT_EQ(usage.total(), 625);
}

TEST(GeminiSpec, KeysEndpointsAndLimits) {
  Result<ModelSpec> google =
      ParseModelSpec("gemini/gemini-2.5-pro", MapEnv({{"GOOGLE_API_KEY", "AIzaFallback123456"}}));
  ASSERT_TRUE(google.ok()) << google.status().ToString();
  EXPECT_EQ(google->api_key, "AIzaFallback123456");
  EXPECT_EQ(google->key_env, "GOOGLE_API_KEY");
  Result<ModelSpec> none = ParseModelSpec("gemini/gemini-2.5-pro", MapEnv({}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(),
            "set GEMINI_API_KEY (or GOOGLE_API_KEY) to use gemini/gemini-2.5-pro");
  Result<ModelSpec> endpoint =
      ParseModelSpec("gemini+http://127.0.0.1:8123/v1beta#gemini-2.5-flash", MapEnv({}));
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  EXPECT_EQ(endpoint->protocol, WireProtocol::kGeminiGenerateContent);
  EXPECT_EQ(endpoint->provider, "gemini-compatible");
  EXPECT_EQ(endpoint->base_url, "http://127.0.0.1:8123/v1beta");
  EXPECT_EQ(endpoint->model, "gemini-2.5-flash");
  EXPECT_EQ(DefaultModelLimits("gemini-2.5-flash").output_limit, 65'536);
  EXPECT_EQ(DefaultModelLimits("gemini-2.0-flash").output_limit, 8'192);
}

TEST(GeminiEncode, MaxOutputTokensIsFittedToTheModelsLimit) {
  FakeTransport transport;
  Result<std::unique_ptr<Model>> model =
      MakeModel("gemini/gemini-2.0-flash", transport, Env(), PriceTable::WithDefaults());
  ASSERT_TRUE(model.ok());
  CallRecord record;
  ModelRequest request;
  request.max_tokens = 100'000;
  request.messages.push_back(Message::User("hi"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(record));
  ASSERT_EQ(transport.requests().size(), 1u);
  Json body = *ParseJson(transport.requests()[0].body);
  EXPECT_EQ(body["generationConfig"]["maxOutputTokens"], 8192);
}

}  // namespace
}  // namespace mh::llm
