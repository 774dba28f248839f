#include "llm/openai_responses.h"

#include <gtest/gtest.h>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::CannedReply;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

constexpr char kKey[] = "sk-proj-responses-test-0123456789";

ModelSpec Gpt5Spec() {
  Result<ModelSpec> spec =
      ParseModelSpec("openai-responses/gpt-5", MapEnv({{"OPENAI_API_KEY", kKey}}));
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return *spec;
}

Json EncodeBody(const ModelRequest& request, HttpRequest* http = nullptr) {
  Result<HttpRequest> encoded = NewOpenAiResponsesCodec(Gpt5Spec())->Encode(request);
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

Reasoning ResponsesReasoning() {
  return {.origin = std::string(kResponsesReasoningOrigin),
          .text = "Plan.\n\nCall it.",
          .id = "rs_1",
          .encrypted = "gAAAA-opaque",
          .summary = {"Plan.", "Call it."}};
}

TEST(ResponsesEncode, EncodesEveryItemKindStatelessly) {
  ModelRequest request;
  request.system_prompt = "You are an engineer.";
  request.max_tokens = 2000;
  request.messages.push_back(Message::System("Be brief."));
  Message user;
  user.parts = {ContentPart::Text("Look:"), ContentPart::Image("image/png", "iVBOR")};
  request.messages.push_back(user);
  ToolCall call;
  call.id = "call_1";
  call.name = "bash";
  call.arguments = {{"command", "ls"}};
  Message assistant = Message::Assistant("Listing.", {call});
  assistant.reasoning.push_back(ResponsesReasoning());
  // Reasoning of another origin, or without encrypted content, never goes back here.
  assistant.reasoning.push_back({.origin = "anthropic", .text = "x", .signature = "sig"});
  assistant.reasoning.push_back(
      {.origin = std::string(kResponsesReasoningOrigin), .text = "y", .id = "rs_2"});
  request.messages.push_back(assistant);
  request.messages.push_back(Message::ToolResult("call_1", "a.txt"));
  request.tools.push_back({"bash", "Runs a command", {{"type", "object"}}});
  HttpRequest http;
  Json body = EncodeBody(request, &http);

  EXPECT_EQ(http.url, "https://api.openai.com/v1/responses");
  EXPECT_EQ(Header(http, "Authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(Header(http, "Accept"), "text/event-stream");
  EXPECT_EQ(body["model"], "gpt-5");
  EXPECT_EQ(body["instructions"], "You are an engineer.");
  EXPECT_EQ(body["max_output_tokens"], 2000);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["store"], false);
  EXPECT_EQ(body["include"], Json::array({"reasoning.encrypted_content"}));
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_EQ(body["tools"][0], Json({{"type", "function"},
                                    {"name", "bash"},
                                    {"description", "Runs a command"},
                                    {"parameters", {{"type", "object"}}},
                                    {"strict", false}}));
  const Json& input = body["input"];
  ASSERT_EQ(input.size(), 6u) << input.dump(2);
  EXPECT_EQ(input[0], Json({{"type", "message"}, {"role", "system"}, {"content", "Be brief."}}));
  EXPECT_EQ(input[1]["role"], "user");
  EXPECT_EQ(input[1]["content"][0], Json({{"type", "input_text"}, {"text", "Look:"}}));
  EXPECT_EQ(input[1]["content"][1],
            Json({{"type", "input_image"}, {"image_url", "data:image/png;base64,iVBOR"}}));
  EXPECT_EQ(input[2], Json({{"type", "reasoning"},
                            {"id", "rs_1"},
                            {"summary",
                             {{{"type", "summary_text"}, {"text", "Plan."}},
                              {{"type", "summary_text"}, {"text", "Call it."}}}},
                            {"encrypted_content", "gAAAA-opaque"}}));
  EXPECT_EQ(input[3], Json({{"type", "message"},
                            {"role", "assistant"},
                            {"content", {{{"type", "output_text"}, {"text", "Listing."}}}}}));
  EXPECT_EQ(input[4], Json({{"type", "function_call"},
                            {"call_id", "call_1"},
                            {"name", "bash"},
                            {"arguments", R"({"command":"ls"})"}}));
  EXPECT_EQ(input[5],
            Json({{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "a.txt"}}));
}

TEST(ResponsesEncode, ToolImagesAndMalformedArgumentsAndMissingCallId) {
  ToolCall bad;
  bad.id = "call_9";
  bad.name = "edit";
  bad.raw_arguments = "{\"path\": ";
  ParseToolArguments(bad);
  Message shot = Message::ToolResult("call_9", "the screen");
  shot.parts.push_back(ContentPart::Image("image/png", "AAAA"));
  ModelRequest request;
  request.stream = false;
  request.temperature = 0.2;
  request.messages = {Message::User("go"), Message::Assistant("", {bad}), shot};
  Json body = EncodeBody(request);
  EXPECT_EQ(body["stream"], false);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.2);
  EXPECT_FALSE(body.contains("instructions"));
  const Json& input = body["input"];
  ASSERT_EQ(input.size(), 3u);
  EXPECT_EQ(input[1]["arguments"], "{}") << "unparsable arguments go back as {}";
  EXPECT_EQ(input[2]["output"][0], Json({{"type", "input_text"}, {"text", "the screen"}}));
  EXPECT_EQ(input[2]["output"][1]["type"], "input_image");

  request.messages.push_back(Message::ToolResult("", "orphan"));
  Result<HttpRequest> refused = NewOpenAiResponsesCodec(Gpt5Spec())->Encode(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("tool result message 3 has no tool_call_id"),
            std::string::npos);
}

TEST(ResponsesEncode, CompatibleEndpointUsesItsPathAndTheEndpointKey) {
  Result<ModelSpec> spec = ParseModelSpec("responses+http://127.0.0.1:9000/v1#gpt-oss",
                                          MapEnv({{"MH_API_KEY", "mh-endpoint-key-1234"}}));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->protocol, WireProtocol::kOpenAiResponses);
  EXPECT_EQ(spec->provider, "responses-compatible");
  Result<HttpRequest> http = NewOpenAiResponsesCodec(*spec)->Encode(ModelRequest{});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->url, "http://127.0.0.1:9000/v1/responses");
  EXPECT_EQ(Header(*http, "Authorization"), "Bearer mh-endpoint-key-1234");
}

CallRecord RunCall(CannedReply reply, bool stream, ModelRequest request = {}) {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel("openai-responses/gpt-5", transport, MapEnv({{"OPENAI_API_KEY", kKey}}),
                PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  CallRecord record;
  request.stream = stream;
  if (request.messages.empty()) request.messages.push_back(Message::User("hi"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(record));
  EXPECT_EQ(record.completions, 1);
  return record;
}

Json ReasoningOutput() {
  return {{"id", "rs_9"},
          {"type", "reasoning"},
          {"encrypted_content", "gAAAA-nine"},
          {"summary", {{{"type", "summary_text"}, {"text", "Think."}}}}};
}

Json CallOutput() {
  return {{"id", "fc_9"},          {"type", "function_call"},
          {"status", "completed"}, {"arguments", R"({"command":"pwd"})"},
          {"call_id", "call_9"},   {"name", "bash"}};
}

Json UsageJson(int input, int cached, int output, int reasoning) {
  return {{"input_tokens", input},
          {"input_tokens_details", {{"cached_tokens", cached}}},
          {"output_tokens", output},
          {"output_tokens_details", {{"reasoning_tokens", reasoning}}},
          {"total_tokens", input + output}};
}

TEST(ResponsesDecode, WholeReplyWithReasoningCallAndUsageCountedOnce) {
  Json body = {{"id", "resp_1"},
               {"object", "response"},
               {"status", "completed"},
               {"error", nullptr},
               {"incomplete_details", nullptr},
               {"model", "gpt-5-2025-08-07"},
               {"output",
                {ReasoningOutput(),
                 {{"type", "message"},
                  {"role", "assistant"},
                  {"content", {{{"type", "output_text"}, {"text", "Checking."}}}}},
                 CallOutput()}},
               {"usage", UsageJson(1000, 800, 300, 200)}};
  CallRecord record = RunCall(testing::Reply(200, "application/json", DumpJson(body)), false);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Checking.") << "no reasoning in the answer";
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_EQ(r.message.reasoning[0].id, "rs_9");
  EXPECT_EQ(r.message.reasoning[0].encrypted, "gAAAA-nine");
  EXPECT_EQ(r.message.ReasoningText(), "Think.");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].id, "call_9") << "call_id, not the item id";
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"command", "pwd"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.model, "gpt-5-2025-08-07");
  // Cached input inside input_tokens, reasoning inside output_tokens: each counted once.
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 200,
                            .output_tokens = 100,
                            .cache_read_tokens = 800,
                            .reasoning_tokens = 200}));
  EXPECT_EQ(r.usage.total(), 1300);
  EXPECT_NEAR(r.cost_usd, (200 * 1.25 + 800 * 0.125 + 300 * 10.0) / 1e6, 1e-12);
}

TEST(ResponsesDecode, IncompleteForMaxOutputTokensIsTruncated) {
  Json body = {{"status", "incomplete"},
               {"incomplete_details", {{"reason", "max_output_tokens"}}},
               {"output", {ReasoningOutput()}},
               {"usage", UsageJson(50, 0, 64, 64)}};
  ModelRequest request;
  request.max_tokens = 64;
  request.messages.push_back(Message::User("hi"));
  CallRecord record =
      RunCall(testing::Reply(200, "application/json", DumpJson(body)), false, request);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  const ModelResponse& r = **record.result;
  EXPECT_TRUE(r.truncated());
  EXPECT_TRUE(r.only_reasoning()) << "the whole budget went to reasoning";
  EXPECT_EQ(r.usage.output_tokens, 0);
  EXPECT_EQ(r.usage.reasoning_tokens, 64);
}

TEST(ResponsesDecode, ErrorBodiesAndFailedResponses) {
  Json error = {{"error",
                 {{"message", "Invalid schema for function 'bash'"},
                  {"type", "invalid_request_error"},
                  {"param", "tools[0].parameters"},
                  {"code", "invalid_function_parameters"}}}};
  CallRecord bad = RunCall(testing::Reply(400, "application/json", DumpJson(error)), false);
  ASSERT_FALSE(bad.result->ok());
  EXPECT_EQ(bad.result->error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.result->error().message(),
            "openai-responses: HTTP 400 invalid_request_error: Invalid schema for function "
            "'bash' (1 attempt)");

  Json failed = {{"status", "failed"},
                 {"error", {{"code", "server_error"}, {"message", "The model failed."}}},
                 {"output", Json::array()}};
  CallRecord f = RunCall(testing::Reply(200, "application/json", DumpJson(failed)), false);
  ASSERT_FALSE(f.result->ok());
  EXPECT_EQ(f.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(f.result->error().message(), "openai-responses: server_error: The model failed.");

  CallRecord cut = RunCall(testing::Reply(200, "application/json", R"({"output": [)"), false);
  ASSERT_FALSE(cut.result->ok());
  EXPECT_EQ(cut.result->error().code(), StatusCode::kUnavailable);

  CallRecord other = RunCall(testing::Reply(200, "application/json", R"({"choices": []})"), false);
  ASSERT_FALSE(other.result->ok());
  EXPECT_EQ(other.result->error().code(), StatusCode::kFailedPrecondition);
}

std::string Event(const std::string& type, Json data) {
  data["type"] = type;
  return DumpJson(data);
}

// A reasoning item with two summary parts, text, a tool call, then `end`.
std::vector<std::pair<std::string, std::string>> ToolStream(const std::string& end, Json usage) {
  Json rs_added = {{"id", "rs_9"},
                   {"type", "reasoning"},
                   {"encrypted_content", "gAAAA-early"},
                   {"summary", Json::array()}};
  Json rs_done = ReasoningOutput();
  rs_done["summary"] = {{{"type", "summary_text"}, {"text", "Think."}},
                        {{"type", "summary_text"}, {"text", "Act."}}};
  Json msg = {{"id", "msg_1"}, {"type", "message"}, {"role", "assistant"}};
  Json fc_added = CallOutput();
  fc_added["arguments"] = "";
  Json response = {{"id", "resp_2"}, {"status", "in_progress"}, {"model", "gpt-5-2025-08-07"}};
  Json final = response;
  final["status"] = end == "response.incomplete" ? "incomplete" : "completed";
  if (end == "response.incomplete") {
    final["incomplete_details"] = {{"reason", "max_output_tokens"}};
  }
  final["usage"] = std::move(usage);
  std::vector<std::pair<std::string, std::string>> events = {
      {"response.created", Event("response.created", {{"response", response}})},
      {"response.in_progress", Event("response.in_progress", {{"response", response}})},
      {"", Event("response.output_item.added", {{"output_index", 0}, {"item", rs_added}})},
      {"", Event("response.reasoning_summary_part.added", {{"output_index", 0}})},
      {"", Event("response.reasoning_summary_text.delta",
                 {{"output_index", 0}, {"summary_index", 0}, {"delta", "Thi"}})},
      {"", Event("response.reasoning_summary_text.delta",
                 {{"output_index", 0}, {"summary_index", 0}, {"delta", "nk."}})},
      {"", Event("response.reasoning_summary_text.delta",
                 {{"output_index", 0}, {"summary_index", 1}, {"delta", "Act."}})},
      {"", Event("response.output_item.done", {{"output_index", 0}, {"item", rs_done}})},
      {"", Event("response.output_item.added", {{"output_index", 1}, {"item", msg}})},
      {"", Event("response.content_part.added", {{"output_index", 1}, {"content_index", 0}})},
      {"", Event("response.output_text.delta", {{"output_index", 1}, {"delta", "Let me "}})},
      {"", Event("response.output_text.delta", {{"output_index", 1}, {"delta", "check."}})},
      {"", Event("response.output_item.added", {{"output_index", 2}, {"item", fc_added}})},
      {"", Event("response.function_call_arguments.delta",
                 {{"output_index", 2}, {"delta", "{\"command\""}})},
      {"", Event("response.function_call_arguments.delta",
                 {{"output_index", 2}, {"delta", ":\"pwd\"}"}})},
      {"", Event("response.function_call_arguments.done",
                 {{"output_index", 2}, {"arguments", R"({"command":"pwd"})"}})},
      {end, Event(end, {{"response", final}})},
  };
  return events;
}

TEST(ResponsesStream, AssemblesReasoningTextAndCallsAndHearsThemAsTheyStart) {
  std::string sse = testing::SseBody(ToolStream("response.completed", UsageJson(100, 40, 30, 10)));
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse, 7), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ(record.streamed_text, "Let me check.");
  EXPECT_EQ(record.streamed_reasoning, "Think.\n\nAct.");
  ASSERT_EQ(record.started_calls.size(), 1u);
  EXPECT_EQ(record.started_calls[0].id, "call_9");
  EXPECT_EQ(record.started_calls[0].name, "bash");
  const ModelResponse& r = **record.result;
  EXPECT_EQ(r.message.Text(), "Let me check.");
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_EQ(r.message.reasoning[0].encrypted, "gAAAA-nine") << "the done item's, not the added";
  EXPECT_EQ(r.message.reasoning[0].summary, (std::vector<std::string>{"Think.", "Act."}));
  EXPECT_EQ(r.message.ReasoningText(), record.streamed_reasoning);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, Json({{"command", "pwd"}}));
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 60,
                            .output_tokens = 20,
                            .cache_read_tokens = 40,
                            .reasoning_tokens = 10}));
  EXPECT_EQ(r.model, "gpt-5-2025-08-07");
}

TEST(ResponsesStream, IncompleteEndsTheStreamTruncated) {
  std::string sse = testing::SseBody(ToolStream("response.incomplete", UsageJson(10, 0, 5, 0)));
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_TRUE((*record.result)->truncated());
}

TEST(ResponsesStream, StreamWithoutCompletedIsACut) {
  auto events = ToolStream("response.completed", UsageJson(1, 0, 1, 0));
  events.pop_back();
  CallRecord record =
      RunCall(testing::Reply(200, "text/event-stream", testing::SseBody(events)), true);
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_NE(record.result->error().message().find("openai-responses: stream cut after 16 events"),
            std::string::npos)
      << record.result->error().message();
}

TEST(ResponsesStream, ErrorAndFailedEventsEndTheCall) {
  std::string error_sse = testing::SseBody(
      {{"error",
        Event("error",
              {{"code", "rate_limit_exceeded"}, {"message", "Slow down"}, {"param", nullptr}})}});
  CallRecord error = RunCall(testing::Reply(200, "text/event-stream", error_sse), true);
  ASSERT_FALSE(error.result->ok());
  EXPECT_EQ(error.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(error.result->error().message(), "openai-responses: rate_limit_exceeded: Slow down");

  Json failed = {{"status", "failed"},
                 {"error", {{"code", "invalid_prompt"}, {"message", "Refused."}}}};
  std::string failed_sse =
      testing::SseBody({{"response.failed", Event("response.failed", {{"response", failed}})}});
  CallRecord f = RunCall(testing::Reply(200, "text/event-stream", failed_sse), true);
  ASSERT_FALSE(f.result->ok());
  EXPECT_EQ(f.result->error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.result->error().message(), "openai-responses: invalid_prompt: Refused.");

  std::string garbage = testing::SseBody({{"response.output_text.delta", "{\"type\": "}});
  CallRecord g = RunCall(testing::Reply(200, "text/event-stream", garbage), true);
  ASSERT_FALSE(g.result->ok());
  EXPECT_EQ(g.result->error().code(), StatusCode::kUnavailable);
}

TEST(ResponsesStream, FinalOutputIsUsedWhenNoItemWasStreamed) {
  Json final = {{"status", "completed"},
                {"output",
                 {{{"type", "message"},
                   {"content", {{{"type", "output_text"}, {"text", "Only at the end."}}}}}}}};
  std::string sse = testing::SseBody(
      {{"response.completed", Event("response.completed", {{"response", final}})}});
  CallRecord record = RunCall(testing::Reply(200, "text/event-stream", sse), true);
  ASSERT_TRUE(record.result->ok()) << record.result->status().ToString();
  EXPECT_EQ((*record.result)->message.Text(), "Only at the end.");
  EXPECT_EQ((*record.result)->model, "gpt-5");
}

TEST(ResponsesUsage, CacheWrittenInputIsInsideInputTokens) {
  Json usage = {{"input_tokens", 1000},
                {"input_tokens_details", {{"cached_tokens", 600}, {"cache_write_tokens", 300}}},
                {"output_tokens", 50},
                {"output_tokens_details", {{"reasoning_tokens", 20}}},
                {"total_tokens", 1050}};
  Usage u = UsageFromProviderJson(usage);
  EXPECT_EQ(u, (Usage{.input_tokens = 100,
                      .output_tokens = 30,
                      .cache_read_tokens = 600,
                      .cache_write_tokens = 300,
                      .reasoning_tokens = 20}));
  EXPECT_EQ(u.total(), 1050);
}

}  // namespace
}  // namespace mh::llm
