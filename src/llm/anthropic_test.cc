#include "llm/anthropic.h"

#include <gtest/gtest.h>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::CannedReply;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

constexpr char kKey[] = "sk-ant-test-key-0123456789abcdef";

ModelSpec ClaudeSpec() {
  Result<ModelSpec> spec =
      ParseModelSpec("anthropic/claude-sonnet-4-5", MapEnv({{"ANTHROPIC_API_KEY", kKey}}));
  EXPECT_TRUE(spec.ok());
  return *spec;
}

Json EncodeBody(const ModelRequest& request, HttpRequest* http = nullptr) {
  Result<HttpRequest> encoded = NewAnthropicCodec(ClaudeSpec())->Encode(request);
  EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
  if (http != nullptr) *http = *encoded;
  return *ParseJson(encoded->body);
}

std::string Header(const HttpRequest& http, std::string_view name) {
  for (const HttpHeader& h : http.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

TEST(AnthropicEncode, EncodesEveryMessageKind) {
  ModelRequest request;
  request.system_prompt = "You are a reviewer.";
  request.messages.push_back(Message::System("Be brief."));
  Message user;
  user.parts = {ContentPart::Text("Look:"), ContentPart::Image("image/jpeg", "/9j/")};
  request.messages.push_back(user);
  ToolCall call;
  call.id = "toolu_1";
  call.name = "screenshot";
  request.messages.push_back(Message::Assistant("Taking one.", {call}));
  Message result = Message::ToolResult("toolu_1", "the screen", /*is_error=*/false);
  result.parts.push_back(ContentPart::Image("image/png", "iVBOR"));
  request.messages.push_back(result);
  request.messages.push_back(Message::User("And now?"));
  request.tools.push_back({"screenshot", "Takes a screenshot", {{"type", "object"}}});
  HttpRequest http;
  Json body = EncodeBody(request, &http);

  EXPECT_EQ(http.url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(Header(http, "x-api-key"), kKey);
  EXPECT_EQ(Header(http, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(body["model"], "claude-sonnet-4-5");
  EXPECT_EQ(body["system"], "You are a reviewer.\n\nBe brief.");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["tools"][0]["input_schema"], Json({{"type", "object"}}));
  const Json& m = body["messages"];
  ASSERT_EQ(m.size(), 3u);  // user, assistant, user (tool result + text merged).
  EXPECT_EQ(m[0]["role"], "user");
  EXPECT_EQ(m[0]["content"][1]["source"],
            Json({{"type", "base64"}, {"media_type", "image/jpeg"}, {"data", "/9j/"}}));
  EXPECT_EQ(m[1]["content"][0], Json({{"type", "text"}, {"text", "Taking one."}}));
  EXPECT_EQ(m[1]["content"][1]["type"], "tool_use");
  EXPECT_EQ(m[1]["content"][1]["input"], Json::object());
  EXPECT_EQ(m[2]["role"], "user");
  const Json& tool_result = m[2]["content"][0];
  EXPECT_EQ(tool_result["type"], "tool_result");
  EXPECT_EQ(tool_result["tool_use_id"], "toolu_1");
  EXPECT_FALSE(tool_result.contains("is_error"));
  EXPECT_EQ(tool_result["content"][0]["text"], "the screen");
  EXPECT_EQ(tool_result["content"][1]["source"]["data"], "iVBOR");
  EXPECT_EQ(m[2]["content"][1], Json({{"type", "text"}, {"text", "And now?"}}));
}

TEST(AnthropicEncode, ParallelToolResultsShareOneUserMessageAndErrorsAreFlagged) {
  ToolCall a;
  a.id = "t1";
  a.name = "bash";
  a.arguments = {{"command", "ls"}};
  ToolCall b = a;
  b.id = "t2";
  ModelRequest request;
  request.messages.push_back(Message::User("go"));
  request.messages.push_back(Message::Assistant("", {a, b}));
  request.messages.push_back(Message::ToolResult("t1", "ok"));
  request.messages.push_back(Message::ToolResult("t2", "exit 2", /*is_error=*/true));
  Json m = EncodeBody(request)["messages"];
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1]["content"].size(), 2u);  // No empty text block before the calls.
  EXPECT_EQ(m[1]["content"][0]["input"], Json({{"command", "ls"}}));
  ASSERT_EQ(m[2]["content"].size(), 2u);
  EXPECT_EQ(m[2]["content"][1]["tool_use_id"], "t2");
  EXPECT_EQ(m[2]["content"][1]["is_error"], true);
}

TEST(AnthropicEncode, CompatibleEndpointWithV1InItsBaseUrl) {
  Result<ModelSpec> spec =
      ParseModelSpec("anthropic+http://127.0.0.1:9000/v1#claude-x", MapEnv({}));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<HttpRequest> http = NewAnthropicCodec(*spec)->Encode(ModelRequest{});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->url, "http://127.0.0.1:9000/v1/messages");
  EXPECT_EQ(Header(*http, "x-api-key"), "");
}

CallRecord RunCall(CannedReply reply, bool stream) {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel("anthropic/claude-sonnet-4-5", transport, MapEnv({{"ANTHROPIC_API_KEY", kKey}}),
                PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok());
  CallRecord record;
  ModelRequest request;
  request.stream = stream;
  request.messages.push_back(Message::User("hi"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(record));
  EXPECT_EQ(record.completions, 1);
  return record;
}

TEST(AnthropicDecode, WholeReplyWithToolUseAndCacheUsage) {
  Json body = {{"type", "message"},
               {"model", "claude-sonnet-4-5-20250929"},
               {"content",
                {{{"type", "text"}, {"text", "Checking."}},
                 {{"type", "tool_use"},
                  {"id", "toolu_7"},
                  {"name", "bash"},
                  {"input", {{"command", "git status"}}}}}},
               {"stop_reason", "tool_use"},
               {"usage",
                {{"input_tokens", 20},
                 {"output_tokens", 30},
                 {"cache_read_input_tokens", 1000},
                 {"cache_creation_input_tokens", 100}}}};
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Checking.");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].name, "bash");
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"command", "git status"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{20, 30, 1000, 100}));
  EXPECT_NEAR(r.cost_usd, (20 * 3.0 + 30 * 15.0 + 1000 * 0.30 + 100 * 3.75) / 1e6, 1e-12);
}

std::string Event(Json data) { return DumpJson(data); }

std::vector<std::pair<std::string, std::string>> ToolUseStream(const std::string& json_a,
                                                               const std::string& json_b) {
  return {
      {"message_start",
       Event({{"type", "message_start"},
              {"message", {{"model", "claude-sonnet-4-5"}, {"usage", {{"input_tokens", 12}}}}}})},
      {"content_block_start", Event({{"type", "content_block_start"},
                                     {"index", 0},
                                     {"content_block", {{"type", "text"}, {"text", ""}}}})},
      {"ping", Event({{"type", "ping"}})},
      {"content_block_delta", Event({{"type", "content_block_delta"},
                                     {"index", 0},
                                     {"delta", {{"type", "text_delta"}, {"text", "Let me "}}}})},
      {"content_block_delta", Event({{"type", "content_block_delta"},
                                     {"index", 0},
                                     {"delta", {{"type", "text_delta"}, {"text", "check."}}}})},
      {"content_block_stop", Event({{"type", "content_block_stop"}, {"index", 0}})},
      {"content_block_start", Event({{"type", "content_block_start"},
                                     {"index", 1},
                                     {"content_block",
                                      {{"type", "tool_use"},
                                       {"id", "toolu_1"},
                                       {"name", "bash"},
                                       {"input", Json::object()}}}})},
      {"content_block_delta",
       Event({{"type", "content_block_delta"},
              {"index", 1},
              {"delta", {{"type", "input_json_delta"}, {"partial_json", json_a}}}})},
      {"content_block_delta",
       Event({{"type", "content_block_delta"},
              {"index", 1},
              {"delta", {{"type", "input_json_delta"}, {"partial_json", json_b}}}})},
      {"content_block_stop", Event({{"type", "content_block_stop"}, {"index", 1}})},
      {"message_delta", Event({{"type", "message_delta"},
                               {"delta", {{"stop_reason", "tool_use"}}},
                               {"usage", {{"output_tokens", 42}}}})},
      {"message_stop", Event({{"type", "message_stop"}})},
  };
}

TEST(AnthropicStream, AssemblesTextAndToolInputFromDeltas) {
  std::string sse = testing::SseBody(ToolUseStream("{\"comm", "and\": \"pwd\"}"));
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse, 5), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ(record.streamed_text, "Let me check.");
  ASSERT_EQ(record.started_calls.size(), 1u);
  EXPECT_EQ(record.started_calls[0].id, "toolu_1");
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Let me check.");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"command", "pwd"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage.input_tokens, 12);
  EXPECT_EQ(r.usage.output_tokens, 42);
}

TEST(AnthropicStream, MalformedInputJsonIsKeptWithAParseError) {
  std::string sse = testing::SseBody(ToolUseStream("{\"command\": ", "pwd}"));
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ToolCall& call = (*record.result)->message.tool_calls.at(0);
  EXPECT_FALSE(call.arguments_ok());
  EXPECT_EQ(call.raw_arguments, "{\"command\": pwd}");
}

TEST(AnthropicStream, StreamEndingBeforeMessageStopIsACut) {
  auto events = ToolUseStream("{}", "");
  events.resize(8);  // Up to the first input_json_delta: no message_delta, no message_stop.
  CallRecord record =
      RunCall(testing::Reply(200, "text/event-stream", testing::SseBody(events)), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(record.result->error().message().find("anthropic: stream cut after 8 events"),
            std::string::npos);
}

TEST(AnthropicStream, OverloadedErrorEventIsUnavailable) {
  std::string sse = testing::SseBody(
      {{"error", Event({{"type", "error"},
                        {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}})}});
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(record.result->error().message(), "anthropic: overloaded_error: Overloaded");
}

TEST(AnthropicErrors, Http529OverloadedIsUnavailableWithTheProvidersWords) {
  Json body = {{"type", "error"},
               {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}};
  CallRecord record = RunCall(testing::Reply(529, "application/json", DumpJson(body)), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(record.result->error().message(),
            "anthropic: HTTP 529 overloaded_error: Overloaded (1 attempt)");
}

TEST(AnthropicErrors, Http400NamesTheErrorTypeAndMessage) {
  Json body = {
      {"type", "error"},
      {"error", {{"type", "invalid_request_error"}, {"message", "messages: field required"}}}};
  CallRecord record = RunCall(testing::Reply(400, "application/json", DumpJson(body)), false);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(record.result->error().message(),
            "anthropic: HTTP 400 invalid_request_error: messages: field required (1 attempt)");
}

}  // namespace
}  // namespace mh::llm
