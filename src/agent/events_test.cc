#include "agent/events.h"

#include <gtest/gtest.h>

namespace mh::agent::events {
namespace {

TEST(EventsTest, MessagesRoundTripWithMalformedCallsAndImages) {
  llm::ToolCall good;
  good.id = "c1";
  good.name = "read_file";
  good.raw_arguments = R"({"path":"a.txt"})";
  llm::ParseToolArguments(good);
  llm::ToolCall bad;
  bad.id = "c2";
  bad.name = "write_file";
  bad.raw_arguments = "{oops";
  llm::ParseToolArguments(bad);
  ASSERT_FALSE(bad.arguments_ok());
  llm::Message reply = llm::Message::Assistant("thinking", {good, bad});
  llm::Message result = llm::Message::ToolResult("c1", "contents", true);
  result.parts.push_back(llm::ContentPart::Image("image/png", Base64Encode("png")));

  for (const llm::Message& original : {reply, result}) {
    Result<llm::Message> back = MessageFromJson(MessageToJson(original));
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(DumpJson(MessageToJson(*back)), DumpJson(MessageToJson(original)));
  }
  Result<llm::Message> back = MessageFromJson(MessageToJson(reply));
  EXPECT_EQ(back->tool_calls[0].arguments["path"], "a.txt");
  EXPECT_EQ(back->tool_calls[1].parse_error, bad.parse_error);
  EXPECT_EQ(back->tool_calls[1].raw_arguments, "{oops");
}

TEST(EventsTest, ReasoningAndReasoningTokensSurviveTheTranscript) {
  llm::Message reply = llm::Message::Assistant("", {});
  reply.reasoning = {{.origin = "anthropic", .text = "Think.", .signature = "c2lnbmVk"},
                     {.origin = "anthropic", .redacted = "EmwKAhgBEgy3va3pzix"},
                     {.origin = "reasoning_content", .text = "DeepSeek thought."}};
  Result<llm::Message> back = MessageFromJson(MessageToJson(reply));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->reasoning, reply.reasoning) << "signatures and redacted data verbatim";
  EXPECT_EQ(back->Text(), "");
  llm::Usage usage{.input_tokens = 5, .output_tokens = 2, .reasoning_tokens = 300};
  EXPECT_EQ(UsageFromJson(UsageToJson(usage)), usage);
}

TEST(EventsTest, DamagedMessageIsDataLoss) {
  Result<llm::Message> m = MessageFromJson(Json{{"role", "wizard"}, {"parts", Json::array()}});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(MessageFromJson(Json{{"role", "user"}}).error().code(), StatusCode::kDataLoss);
}

TEST(EventsTest, Base64MatchesTheStandardVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\x00", 2)), "/wA=");
}

TEST(EventsTest, FingerprintIsStableAndSensitive) {
  EXPECT_EQ(Fingerprint(""), "cbf29ce484222325");
  EXPECT_EQ(Fingerprint("a"), "af63dc4c8601ec8c");
  EXPECT_NE(Fingerprint("request 1"), Fingerprint("request 2"));
}

}  // namespace
}  // namespace mh::agent::events
