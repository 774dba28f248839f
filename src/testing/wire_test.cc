#include "testing/wire.h"

#include <gtest/gtest.h>

namespace mh::testing {
namespace {

Reply TextReply(std::string text) {
  Reply r;
  r.id = "id-1";
  r.message_id = "msg_1";
  r.model = "m";
  r.text = std::move(text);
  r.input_tokens = 10;
  r.output_tokens = 2;
  return r;
}

Json LastData(const std::vector<std::string>& events, size_t from_end = 1) {
  const std::string& e = events[events.size() - from_end];
  return Json::parse(e.substr(e.find("data: ") + 6));
}

TEST(WireTest, SplitUtf8NeverCutsACharacter) {
  std::string text = "héllo wörld ✓✓";  // 2- and 3-byte characters.
  for (int chars = 1; chars <= 5; ++chars) {
    std::string joined;
    for (std::string_view piece : SplitUtf8(text, chars)) {
      ASSERT_FALSE(piece.empty());
      EXPECT_NE(static_cast<unsigned char>(piece[0]) & 0xC0, 0x80) << "piece starts mid-character";
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
  EXPECT_TRUE(SplitUtf8("", 8).empty());
}

TEST(WireTest, StopReasonOverridesReachEachProtocol) {
  Reply reply = TextReply("cut short");
  reply.stop_reason = "length";
  EXPECT_EQ(Json::parse(ChatBody(reply))["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(LastData(ChatStreamEvents(reply), 2)["choices"][0]["finish_reason"], "length");

  reply.stop_reason = "max_tokens";
  EXPECT_EQ(Json::parse(AnthropicBody(reply))["stop_reason"], "max_tokens");

  reply.stop_reason = "max_output_tokens";
  Json body = Json::parse(ResponsesBody(reply));
  EXPECT_EQ(body["status"], "incomplete");
  EXPECT_EQ(body["incomplete_details"]["reason"], "max_output_tokens");
  std::vector<std::string> events = ResponsesStreamEvents(reply);
  EXPECT_EQ(events.back().rfind("event: response.incomplete\n", 0), 0u);
}

TEST(WireTest, EmptyReplyStillHasOneTextItem) {
  Reply reply = TextReply("");
  Json chat = Json::parse(ChatBody(reply));
  EXPECT_EQ(chat["choices"][0]["message"]["content"], "");
  Json anthropic = Json::parse(AnthropicBody(reply));
  ASSERT_EQ(anthropic["content"].size(), 1u);
  EXPECT_EQ(anthropic["content"][0]["type"], "text");
  Json responses = Json::parse(ResponsesBody(reply));
  ASSERT_EQ(responses["output"].size(), 1u);
  EXPECT_EQ(responses["output"][0]["type"], "message");
}

TEST(WireTest, ChatOmitsUsageUnlessAskedAndToolOnlyReplyHasNullContent) {
  Reply reply = TextReply("");
  reply.tool_calls.push_back({"call_1", "fc_1", "bash", R"({"command":"ls"})", false});
  std::vector<std::string> events = ChatStreamEvents(reply);
  EXPECT_EQ(events.back(), "data: [DONE]\n\n");
  EXPECT_EQ(LastData(events, 2)["choices"][0]["finish_reason"], "tool_calls");
  for (const std::string& e : events) EXPECT_EQ(e.find("\"usage\""), std::string::npos);
  Json message = Json::parse(ChatBody(reply))["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(message["tool_calls"][0]["id"], "call_1");
}

TEST(WireTest, ErrorBodiesHaveEachProtocolsShape) {
  Json openai = Json::parse(ErrorBody(Protocol::kResponses, 503, "down"));
  EXPECT_EQ(openai["error"]["type"], "server_error");
  EXPECT_EQ(openai["error"]["message"], "down");
  Json anthropic = Json::parse(ErrorBody(Protocol::kAnthropic, 429, "slow down"));
  EXPECT_EQ(anthropic["type"], "error");
  EXPECT_EQ(anthropic["error"]["type"], "rate_limit_error");
}

}  // namespace
}  // namespace mh::testing
