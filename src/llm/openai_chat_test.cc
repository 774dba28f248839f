#include "llm/openai_chat.h"

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

constexpr char kKey[] = "xai-test-key-0123456789abcdef";

ModelSpec XaiSpec() {
  Result<ModelSpec> spec = ParseModelSpec("xai/grok-4", MapEnv({{"XAI_API_KEY", kKey}}));
  EXPECT_TRUE(spec.ok());
  return *spec;
}

Json EncodeBody(const ModelSpec& spec, const ModelRequest& request, HttpRequest* http = nullptr) {
  Result<HttpRequest> encoded = NewOpenAiChatCodec(spec)->Encode(request);
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

TEST(OpenAiChatEncode, EncodesEveryMessageKind) {
  ModelRequest request;
  request.system_prompt = "You are an engineer.";
  request.messages.push_back(Message::User("List the files."));
  Message with_image;
  with_image.parts = {ContentPart::Text("What is this?"), ContentPart::Image("image/png", "iVBOR")};
  request.messages.push_back(with_image);
  request.messages.push_back(
      Message::Assistant("Let me look.", {Call("call_1", "bash", {{"command", "ls"}})}));
  request.messages.push_back(Message::ToolResult("call_1", "a.txt\nb.txt"));
  request.tools.push_back({"bash", "Runs a command", {{"type", "object"}}});
  request.max_tokens = 1000;
  request.temperature = 0.5;
  HttpRequest http;
  Json body = EncodeBody(XaiSpec(), request, &http);

  EXPECT_EQ(http.url, "https://api.x.ai/v1/chat/completions");
  bool has_auth = false;
  for (const HttpHeader& h : http.headers) has_auth |= h.value == std::string("Bearer ") + kKey;
  EXPECT_TRUE(has_auth);
  EXPECT_EQ(body["model"], "grok-4");
  EXPECT_EQ(body["max_tokens"], 1000);
  EXPECT_EQ(body["temperature"], 0.5);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  const Json& m = body["messages"];
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], Json({{"role", "system"}, {"content", "You are an engineer."}}));
  EXPECT_EQ(m[1], Json({{"role", "user"}, {"content", "List the files."}}));
  EXPECT_EQ(m[2]["content"][0]["text"], "What is this?");
  EXPECT_EQ(m[2]["content"][1]["image_url"]["url"], "data:image/png;base64,iVBOR");
  EXPECT_EQ(m[3]["content"], "Let me look.");
  EXPECT_EQ(m[3]["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(m[3]["tool_calls"][0]["function"]["name"], "bash");
  EXPECT_EQ(*ParseJson(m[3]["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            Json({{"command", "ls"}}));
  EXPECT_EQ(m[4],
            Json({{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "a.txt\nb.txt"}}));
  EXPECT_EQ(body["tools"][0]["type"], "function");
  EXPECT_EQ(body["tools"][0]["function"]["name"], "bash");
  EXPECT_EQ(body["tools"][0]["function"]["parameters"], Json({{"type", "object"}}));
}

TEST(OpenAiChatEncode, ToolImagesFollowTheRunOfToolMessagesAsAUserMessage) {
  ModelRequest request;
  request.messages.push_back(Message::Assistant(
      "", {Call("c1", "screenshot", Json::object()), Call("c2", "bash", {{"command", "ls"}})}));
  Message shot = Message::ToolResult("c1", "");
  shot.parts = {ContentPart::Image("image/png", "AAAA")};
  request.messages.push_back(shot);
  request.messages.push_back(Message::ToolResult("c2", "ok"));
  Json m = EncodeBody(XaiSpec(), request)["messages"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_TRUE(m[0]["content"].is_null());  // Tool calls only.
  EXPECT_EQ(m[1]["role"], "tool");
  EXPECT_EQ(m[1]["tool_call_id"], "c1");
  EXPECT_EQ(m[2]["role"], "tool");
  EXPECT_EQ(m[3]["role"], "user");
  EXPECT_EQ(m[3]["content"][1]["image_url"]["url"], "data:image/png;base64,AAAA");
  EXPECT_NE(m[3]["content"][0]["text"].get<std::string>().find("c1"), std::string::npos);
}

TEST(OpenAiChatEncode, MalformedCallIsSentBackWithEmptyArguments) {
  ToolCall bad;
  bad.id = "c1";
  bad.name = "bash";
  bad.raw_arguments = "{\"command\": \"ls";
  ParseToolArguments(bad);
  ModelRequest request;
  request.messages.push_back(Message::Assistant("", {bad}));
  Json m = EncodeBody(XaiSpec(), request)["messages"];
  EXPECT_EQ(m[0]["tool_calls"][0]["function"]["arguments"], "{}");
}

TEST(OpenAiChatEncode, OpenAiAskesForMaxCompletionTokensAndNonStreamingHasNoStreamOptions) {
  Result<ModelSpec> spec = ParseModelSpec("openai/gpt-5", MapEnv({{"OPENAI_API_KEY", kKey}}));
  ASSERT_TRUE(spec.ok());
  ModelRequest request;
  request.stream = false;
  request.messages.push_back(Message::User("hi"));
  Json body = EncodeBody(*spec, request);
  EXPECT_EQ(body["max_completion_tokens"], request.max_tokens);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_FALSE(body.contains("tools"));
}

TEST(OpenAiChatEncode, LocalServerWithoutKeySendsNoAuthorization) {
  Result<ModelSpec> spec = ParseModelSpec("llamacpp/qwen", MapEnv({}));
  ASSERT_TRUE(spec.ok());
  HttpRequest http;
  EncodeBody(*spec, ModelRequest{}, &http);
  EXPECT_EQ(http.url, "http://127.0.0.1:8080/v1/chat/completions");
  for (const HttpHeader& h : http.headers) EXPECT_NE(h.name, "Authorization");
}

// Runs one call through a model on a fake transport answering with `reply`.
CallRecord RunCall(CannedReply reply, bool stream, ModelRequest request = {}) {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model = MakeModel(
      "xai/grok-4", transport, MapEnv({{"XAI_API_KEY", kKey}}), PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok());
  CallRecord record;
  request.stream = stream;
  if (request.messages.empty()) request.messages.push_back(Message::User("hi"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(record));
  EXPECT_EQ(record.completions, 1);
  return record;
}

TEST(OpenAiChatDecode, WholeReplyWithToolCallsUsageAndCost) {
  Json body = {
      {"model", "grok-4-0709"},
      {"choices",
       {{{"index", 0},
         {"finish_reason", "tool_calls"},
         {"message",
          {{"role", "assistant"},
           {"content", "Running it."},
           {"tool_calls",
            {{{"id", "call_9"},
              {"type", "function"},
              {"function", {{"name", "bash"}, {"arguments", "{\"command\":\"make\"}"}}}}}}}}}}},
      {"usage",
       {{"prompt_tokens", 1000},
        {"completion_tokens", 100},
        {"prompt_tokens_details", {{"cached_tokens", 400}}}}}};
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Running it.");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].id, "call_9");
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"command", "make"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{600, 100, 400, 0}));
  EXPECT_EQ(r.model, "grok-4-0709");
  // grok-4 defaults: $3 in, $15 out, $0.75 cached per million.
  EXPECT_TRUE(r.priced);
  EXPECT_NEAR(r.cost_usd, (600 * 3.0 + 100 * 15.0 + 400 * 0.75) / 1e6, 1e-12);
}

std::string ChunkJson(Json delta, Json finish = nullptr) {
  return DumpJson(
      {{"model", "grok-4"},
       {"choices",
        {{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}}}});
}

std::string ArgsFragment(int index, std::string text) {
  return ChunkJson({{"tool_calls", {{{"index", index}, {"function", {{"arguments", text}}}}}}});
}

std::string CallStart(int index, std::string id, std::string name) {
  return ChunkJson({{"tool_calls",
                     {{{"index", index},
                       {"id", id},
                       {"type", "function"},
                       {"function", {{"name", name}, {"arguments", ""}}}}}}});
}

TEST(OpenAiChatStream, AssemblesTextAndInterleavedToolCallsFromSmallPieces) {
  std::string sse = testing::SseBody({
      {"", ChunkJson({{"role", "assistant"}, {"content", ""}})},
      {"", ChunkJson({{"content", "Two "}})},
      {"", ChunkJson({{"content", "calls."}})},
      {"", CallStart(0, "call_a", "read_file")},
      {"", ArgsFragment(0, "{\"pa")},
      {"", CallStart(1, "call_b", "bash")},
      {"", ArgsFragment(1, "{\"command\":")},
      {"", ArgsFragment(0, "th\": \"x.txt\"}")},
      {"", ArgsFragment(1, "\"ls -l\"}")},
      {"", ChunkJson(Json::object(), "tool_calls")},
      {"", DumpJson({{"choices", Json::array()},
                     {"usage", {{"prompt_tokens", 50}, {"completion_tokens", 7}}}})},
      {"", "[DONE]"},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse, 7), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ(record.streamed_text, "Two calls.");
  ASSERT_EQ(record.started_calls.size(), 2u);
  EXPECT_EQ(record.started_calls[0].name, "read_file");
  EXPECT_EQ(record.started_calls[1].id, "call_b");
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Two calls.");
  ASSERT_EQ(r.message.tool_calls.size(), 2u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"path", "x.txt"}}));
  EXPECT_EQ(r.message.tool_calls[1].arguments, Json({{"command", "ls -l"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage.input_tokens, 50);
  EXPECT_EQ(r.usage.output_tokens, 7);
}

TEST(OpenAiChatStream, MalformedArgumentsAreKeptWithAParseErrorAndTheCallCompletes) {
  std::string sse = testing::SseBody({
      {"", CallStart(0, "call_a", "bash")},
      {"", ArgsFragment(0, "{\"command\": \"ls")},
      {"", ChunkJson(Json::object(), "tool_calls")},
      {"", "[DONE]"},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ToolCall& call = (*record.result)->message.tool_calls.at(0);
  EXPECT_FALSE(call.arguments_ok());
  EXPECT_EQ(call.raw_arguments, "{\"command\": \"ls");
  EXPECT_FALSE(call.parse_error.empty());
  EXPECT_EQ(call.arguments, Json::object());
}

TEST(OpenAiChatStream, StreamWithoutFinishOrDoneIsACutNotAPartialReply) {
  std::string sse = testing::SseBody({
      {"", ChunkJson({{"content", "Half an ans"}})},
      {"", ChunkJson({{"content", "wer"}})},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(record.result->error().message().find("stream cut after 2 events"), std::string::npos);
}

TEST(OpenAiChatStream, ConnectionLostInsideAnEventIsACut) {
  std::string sse = testing::SseBody({{"", ChunkJson({{"content", "Hello"}})}}) +
                    "data: {\"choices\":[{\"delta\":{\"content\":\"wor";
  CannedReply reply = testing::Reply(200, "text/event-stream", sse);
  reply.done = UnavailableError("connection closed before the end of the body");
  CallRecord record = RunCall(reply, true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(record.result->error().message().find("stream cut after 1 events"), std::string::npos);
}

TEST(OpenAiChatStream, CleanEndAfterFinishReasonWithoutDoneIsAccepted) {
  std::string sse = testing::SseBody({
      {"", ChunkJson({{"content", "Done."}})},
      {"", ChunkJson(Json::object(), "stop")},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ((*record.result)->message.Text(), "Done.");
  EXPECT_EQ((*record.result)->stop_reason, StopReason::kEndTurn);
}

TEST(OpenAiChatStream, ErrorEventEndsTheCallWithTheProvidersMessage) {
  std::string sse = testing::SseBody({
      {"", ChunkJson({{"content", "Hel"}})},
      {"", DumpJson({{"error", {{"type", "server_error"}, {"message", "model crashed"}}}})},
      {"", ChunkJson({{"content", "lo"}})},
  });
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(record.result->error().message(), "xai: server_error: model crashed");
  EXPECT_EQ(record.streamed_text, "Hel");  // Nothing after the error was taken.
}

TEST(OpenAiChatStream, ServerThatIgnoresStreamAndAnswersJsonIsDecoded) {
  Json body = {{"choices", {{{"message", {{"content", "plain"}}}, {"finish_reason", "length"}}}}};
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ((*record.result)->message.Text(), "plain");
  EXPECT_EQ((*record.result)->stop_reason, StopReason::kMaxTokens);
}

}  // namespace
}  // namespace mh::llm
