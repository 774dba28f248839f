#include "llm/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mh::llm {
namespace {

std::vector<SseEvent> FeedAll(SseParser& parser, const std::vector<std::string>& pieces) {
  std::vector<SseEvent> events;
  for (const std::string& piece : pieces) {
    EXPECT_TRUE(parser.Feed(piece, [&](SseEvent&& e) { events.push_back(std::move(e)); }).ok());
  }
  return events;
}

TEST(SseParserTest, OpenAiStyleDataEvents) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: {\"a\":1}\n\ndata: [DONE]\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].data, "[DONE]");
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST(SseParserTest, AnthropicStyleNamedEventsWithCrLf) {
  SseParser parser;
  auto events = FeedAll(parser, {"event: message_start\r\ndata: {\"x\":true}\r\n\r\n"
                                 "event: ping\r\ndata: {}\r\n\r\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "message_start");
  EXPECT_EQ(events[0].data, "{\"x\":true}");
  EXPECT_EQ(events[1].event, "ping");
}

TEST(SseParserTest, BareCarriageReturnLineEnds) {
  SseParser parser;
  auto events = FeedAll(parser, {"event: a\rdata: 1\r\rdata: 2\r\r"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "a");
  EXPECT_EQ(events[0].data, "1");
  EXPECT_EQ(events[1].event, "");
  EXPECT_EQ(events[1].data, "2");
}

TEST(SseParserTest, MultiLineDataJoinedWithNewline) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: line one\ndata:line two\ndata\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "line one\nline two\n");
}

TEST(SseParserTest, CommentsAndUnknownFieldsAreIgnored) {
  SseParser parser;
  auto events = FeedAll(parser, {": ping\n\n", "id: 7\nretry: 100\nfoo: bar\ndata: x\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParserTest, EventWithoutDataIsNotDispatched) {
  SseParser parser;
  auto events = FeedAll(parser, {"event: lonely\n\ndata: y\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "") << "the event name must not leak into the next event";
  EXPECT_EQ(events[0].data, "y");
}

// Every split point of a stream, including inside "\r\n", yields the same events.
TEST(SseParserTest, SplitAnywhereGivesSameEvents) {
  const std::string stream =
      "event: content_block_delta\r\ndata: {\"text\":\"h\xC3\xA9llo\"}\r\n\r\n"
      ": keep-alive\r\n\r\ndata: a\rdata: b\r\rdata: [DONE]\n\n";
  SseParser whole;
  auto expected = FeedAll(whole, {stream});
  ASSERT_EQ(expected.size(), 3u);
  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); j += 7) {
      SseParser parser;
      auto got = FeedAll(parser, {stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)});
      ASSERT_EQ(got.size(), expected.size()) << "split at " << i << "," << j;
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].event, expected[k].event);
        EXPECT_EQ(got[k].data, expected[k].data);
      }
      EXPECT_FALSE(parser.HasPartialEvent());
    }
  }
}

TEST(SseParserTest, CutStreamLeavesPartialEvent) {
  SseParser parser;
  FeedAll(parser, {"data: {\"a\":1}\n\ndata: {\"tru"});
  EXPECT_TRUE(parser.HasPartialEvent()) << "a cut inside a line";
  SseParser parser2;
  FeedAll(parser2, {"data: {\"a\":1}\n\nevent: x\ndata: 2\n"});
  EXPECT_TRUE(parser2.HasPartialEvent()) << "whole lines but no blank line yet";
  SseParser parser3;
  FeedAll(parser3, {"data: 1\n\n: ping\n"});
  EXPECT_FALSE(parser3.HasPartialEvent()) << "a finished comment is not an event";
}

TEST(SseParserTest, EndlessLineIsRefusedWithoutBufferingIt) {
  SseParser parser(/*max_line=*/1024, /*max_event=*/4096);
  std::string piece(600, 'x');
  EXPECT_TRUE(parser.Feed("data: ", [](SseEvent&&) {}).ok());
  EXPECT_TRUE(parser.Feed(piece, [](SseEvent&&) {}).ok());
  Status s = parser.Feed(piece, [](SseEvent&&) {});
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("line longer than 1024 bytes"), std::string::npos);
  for (int i = 0; i < 1000; ++i) {  // Later bytes are refused, not kept.
    EXPECT_FALSE(parser.Feed(piece, [](SseEvent&&) {}).ok());
  }
}

TEST(SseParserTest, EventOfManyLinesOverTheLimitIsRefused) {
  SseParser parser(/*max_line=*/1024, /*max_event=*/4096);
  std::string line = "data: " + std::string(1000, 'y') + "\n";
  int events = 0;
  Status s;
  for (int i = 0; i < 10 && s.ok(); ++i) s = parser.Feed(line, [&](SseEvent&&) { ++events; });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("event larger than 4096 bytes"), std::string::npos);
  EXPECT_EQ(events, 0);
}

}  // namespace
}  // namespace mh::llm
