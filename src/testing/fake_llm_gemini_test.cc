// The fake LLM server speaking Gemini generateContent over real loopback sockets: routes,
// the alt=sse stream, bodies, request reading (tool results, signatures) and errors.
#include <gtest/gtest.h>

#include "testing/fake_llm_server.h"
#include "testing/llm_request.h"
#include "testing/test_http_client.h"
#include "testing/wire.h"

namespace mh::testing {
namespace {

constexpr char kScenario[] = R"({
  "name": "gemini-unit",
  "turns": [
    {"when": {"contains": "quota"}, "text": "never",
     "fault": {"kind": "http_status", "status": 429, "retry_after": "7"}},
    {"when": {"protocol": "gemini", "tool_results": 0, "offers_tool": "bash"},
     "reasoning": "Plan: write it.", "text": "Writing.", "chunk_chars": 4,
     "tool_calls": [{"name": "bash", "arguments": {"command": "echo hi"}}],
     "usage": {"input_tokens": 50, "output_tokens": 5, "reasoning_tokens": 7,
               "cache_read_tokens": 20}},
    {"when": {"last_contains": "written"}, "text": "Done.", "stop_reason": "max_tokens"}
  ]})";

std::unique_ptr<FakeLlmServer> StartServer() {
  auto server = FakeLlmServer::Start(kScenario, {});
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(*server) : nullptr;
}

std::string Body(const std::string& user_text, bool with_result = false) {
  Json body = {
      {"systemInstruction", {{"parts", {{{"text", "sys"}}}}}},
      {"contents", {{{"role", "user"}, {"parts", {{{"text", user_text}}}}}}},
      {"tools", {{{"functionDeclarations", {{{"name", "bash"}, {"description", "Runs"}}}}}}},
      {"generationConfig", {{"maxOutputTokens", 100}}}};
  if (with_result) {
    body["contents"].push_back(
        {{"role", "model"},
         {"parts",
          {{{"functionCall", {{"name", "bash"}, {"args", {{"command", "echo hi"}}}}},
            {"thoughtSignature", "SIG-1"}}}}});
    body["contents"].push_back(
        {{"role", "user"},
         {"parts",
          {{{"functionResponse", {{"name", "bash"}, {"response", {{"output", "written"}}}}}}}}});
  }
  return body.dump();
}

constexpr char kStreamPath[] = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
constexpr char kWholePath[] = "/v1beta/models/gemini-2.5-flash:generateContent";

TEST(FakeGemini, StreamsWholeChunksWithThoughtsTextAndASignedCallLast) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kStreamPath, Body("write hi")));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  std::vector<TestSseEvent> events = ParseSse(r.body);
  ASSERT_GE(events.size(), 3u);
  std::string thoughts, text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    Json chunk = Json::parse(events[i].data);
    EXPECT_TRUE(events[i].event.empty()) << "Gemini events are data lines only";
    EXPECT_FALSE(chunk["candidates"][0].contains("finishReason"));
    const Json& part = chunk["candidates"][0]["content"]["parts"][0];
    (part.value("thought", false) ? thoughts : text) += part["text"].get<std::string>();
  }
  EXPECT_EQ(thoughts, "Plan: write it.");
  EXPECT_EQ(text, "Writing.");
  Json last = Json::parse(events.back().data);
  EXPECT_EQ(last["candidates"][0]["finishReason"], "STOP");
  const Json& call = last["candidates"][0]["content"]["parts"][0];
  EXPECT_EQ(call["functionCall"], Json({{"name", "bash"}, {"args", {{"command", "echo hi"}}}}));
  EXPECT_TRUE(call["thoughtSignature"].get<std::string>().starts_with("fake-thought-signature-"));
  EXPECT_EQ(last["modelVersion"], "gemini-2.5-flash");
  EXPECT_EQ(last["usageMetadata"], Json::parse(R"({"promptTokenCount": 70,
      "candidatesTokenCount": 5, "cachedContentTokenCount": 20, "thoughtsTokenCount": 7,
      "totalTokenCount": 82, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 70}]})"));
  std::vector<Json> log = server->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["protocol"], "gemini");
  EXPECT_EQ(log[0]["model"], "gemini-2.5-flash");
  EXPECT_EQ(log[0]["stream"], true);
  EXPECT_EQ(log[0]["tools"], Json::array({"bash"}));
}

TEST(FakeGemini, WholeReplyReadsTheResultAndRecordsSignaturesPassedBack) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kWholePath, Body("write hi", true)));
  ASSERT_EQ(r.status, 200);
  Json body = Json::parse(r.body);
  const Json& candidate = body["candidates"][0];
  EXPECT_EQ(candidate["finishReason"], "MAX_TOKENS") << "max_tokens in Gemini's words";
  EXPECT_EQ(candidate["content"]["role"], "model");
  EXPECT_EQ(candidate["content"]["parts"][0]["text"], "Done.");
  EXPECT_FALSE(candidate["content"]["parts"][0]["thoughtSignature"].get<std::string>().empty());
  std::vector<Json> log = server->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["tool_results"], 1);
  EXPECT_EQ(log[0]["messages"], 3);
  EXPECT_EQ(log[0]["thought_signatures"], Json::array({"SIG-1"}));
}

TEST(FakeGemini, ErrorsComeInGooglesShapeWithRetryAfter) {
  auto server = StartServer();
  TestResponse r = Exchange(server->port(), PostRequest(kWholePath, Body("over quota")));
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "7");
  Json error = Json::parse(r.body)["error"];
  EXPECT_EQ(error["code"], 429);
  EXPECT_EQ(error["status"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(error["details"][0]["@type"], "type.googleapis.com/google.rpc.RetryInfo");

  r = Exchange(server->port(),
               PostRequest("/v1beta/models/gemini-2.5-flash:streamGenerateContent", Body("x")));
  EXPECT_EQ(r.status, 400) << "the fake streams SSE only";
  EXPECT_EQ(Json::parse(r.body)["error"]["status"], "INVALID_ARGUMENT");
  r = Exchange(server->port(), PostRequest("/v1beta/models/gemini-2.5-flash:embedContent", "{}"));
  EXPECT_EQ(r.status, 404);
}

TEST(FakeGemini, RequestReadingFindsAFunctionCallTurnWithoutItsSignature) {
  Json body = Json::parse(Body("hi", true));
  body["contents"][1]["parts"][0].erase("thoughtSignature");
  Result<LlmRequest> r = ReadLlmRequest(Protocol::kGemini, body, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->turn_without_reasoning, 1);
  EXPECT_TRUE(r->thought_signatures.empty());
  EXPECT_NE(r->all_text.find("sys"), std::string::npos);
  EXPECT_NE(r->last_text.find("written"), std::string::npos);
  EXPECT_EQ(r->tools, std::vector<std::string>({"bash"}));
}

TEST(FakeGemini, MalformedCallFaultEndsWithMalformedFunctionCall) {
  Reply reply;
  reply.id = "r1";
  reply.model = "gemini-2.5-flash";
  reply.tool_calls.push_back({.name = "bash", .arguments = "{\"a\"", .malformed = true});
  Json body = Json::parse(GeminiBody(reply));
  EXPECT_EQ(body["candidates"][0]["finishReason"], "MALFORMED_FUNCTION_CALL");
  EXPECT_FALSE(body["candidates"][0].contains("content"));
  std::vector<std::string> events = GeminiStreamEvents(reply);
  ASSERT_EQ(events.size(), 1u);
}

}  // namespace
}  // namespace mh::testing
