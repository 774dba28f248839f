// Real Gemini bodies (tests/provider_bodies, provenance in its README) played to the
// codec: usage as Gemini counts it, signatures kept for the part they came on, errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
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

// A `.chunks.txt` recording as the alt=sse stream it came in (Gemini has no terminator).
std::string Sse(const std::string& name) {
  std::istringstream lines(ReadBody(name));
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (!line.empty()) out += "data: " + line + "\r\n\r\n";  // Google sends CRLF.
  }
  return out;
}

struct Played {
  CallRecord record;
  std::vector<HttpRequest> requests;
};

Played Play(const std::string& model_name, testing::CannedReply reply, bool stream,
            ModelRequest request = {}) {
  FakeTransport transport;
  transport.Enqueue(std::move(reply));
  Result<std::unique_ptr<Model>> model =
      MakeModel(model_name, transport, MapEnv({{"GEMINI_API_KEY", "AIzaBodiesTest0123456789"}}),
                PriceTable::WithDefaults());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  Played played;
  request.stream = stream;
  if (request.messages.empty()) request.messages.push_back(Message::User("weather in SF?"));
  (*model)->Complete(std::move(request), std::make_unique<RecordingObserver>(played.record));
  EXPECT_EQ(played.record.completions, 1);
  played.requests = transport.requests();
  return played;
}

TEST(GeminiBodies, Gemini3CallSignatureIsKeptAndGoesBackOnTheCall) {
  Played p = Play("gemini/gemini-3-pro-preview",
                  testing::Reply(200, "application/json", ReadBody("gemini3_tool_call.json")),
                  /*stream=*/false);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  // 29 prompt + 15 candidates + 1801 thoughts = 1845 total: thoughts are apart.
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 29, .output_tokens = 15, .reasoning_tokens = 1801}));
  EXPECT_EQ(r.usage.total(), 1845);
  EXPECT_EQ(r.model, "gemini-3-pro-preview");
  EXPECT_EQ(r.stop_reason, StopReason::kToolUse);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  const ToolCall& call = r.message.tool_calls[0];
  EXPECT_EQ(call.id, "mh-gemini-JniLacKqGqH0xs0P0O776As-0");
  EXPECT_EQ(call.arguments, Json({{"location", "San Francisco"}}));

  // The next turn sends the signature back, unchanged, on the same functionCall part.
  ModelRequest next;
  next.messages = {Message::User("weather in SF?"), r.message,
                   Message::ToolResult(call.id, "{\"temp\": 18}")};
  Played again = Play("gemini/gemini-3-pro-preview",
                      testing::Reply(200, "application/json", ReadBody("gemini3_tool_call.json")),
                      false, next);
  ASSERT_EQ(again.requests.size(), 1u);
  Json body = *ParseJson(again.requests[0].body);
  const Json& model_turn = body["contents"][1];
  EXPECT_EQ(model_turn["role"], "model");
  ASSERT_EQ(model_turn["parts"].size(), 1u);
  EXPECT_EQ(model_turn["parts"][0]["thoughtSignature"],
            "Eqo+Cqc+Ab4+9vtgONaaz6qwy6WXdp7gCd2w0X+Wz2gaBgY0Gv6A12JKo0y5vQwf9YQFyhMbKr1E9m17VT6HX"
            "d7jXzjaGYaE");
  EXPECT_FALSE(model_turn["parts"][0]["functionCall"].contains("id"));
  EXPECT_EQ(body["contents"][2]["parts"][0]["functionResponse"]["name"], "weather");
}

TEST(GeminiBodies, StreamedTextWithItsSignatureOnAnEmptyLastPart) {
  Played p =
      Play("gemini/gemini-3-pro-preview",
           testing::Reply(200, "text/event-stream", Sse("gemini3_text_signature.chunks.txt"), 211),
           /*stream=*/true);
  ASSERT_TRUE(p.record.result->ok()) << p.record.result->status().ToString();
  const ModelResponse& r = **p.record.result;
  std::string answer =
      "There are **3** \"r\"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.";
  EXPECT_EQ(p.record.streamed_text, answer);
  EXPECT_EQ(r.message.Text(), answer);
  EXPECT_EQ(r.message.ReasoningText(), "") << "no thought summaries were asked for";
  ASSERT_EQ(r.message.reasoning.size(), 1u);
  EXPECT_EQ(r.message.reasoning[0].origin, "gemini-signature");
  EXPECT_TRUE(r.message.reasoning[0].signature.starts_with("Eo0HCooHAb4+9vut"));
  EXPECT_TRUE(r.message.reasoning[0].tool_call_id.empty());
  // Running totals: the last chunk's count, never a sum.
  EXPECT_EQ(r.usage, (Usage{.input_tokens = 9, .output_tokens = 29, .reasoning_tokens = 256}));
  EXPECT_EQ(r.stop_reason, StopReason::kEndTurn);
}

TEST(GeminiBodies, PerMinuteQuotaIsRetryableWithGooglesWords) {
  Played p = Play("gemini/gemini-2.5-flash",
                  testing::Reply(429, "application/json", ReadBody("gemini_429_retry_info.json")),
                  /*stream=*/true);
  ASSERT_FALSE(p.record.result->ok());
  EXPECT_EQ(p.record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(p.record.result->error().message(),
            "gemini: HTTP 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please check "
            "your plan. (1 attempt)");
}

}  // namespace
}  // namespace mh::llm
