#include "llm/types.h"

#include <gtest/gtest.h>

namespace mh::llm {
namespace {

ToolCall WithRaw(std::string raw) {
  ToolCall call;
  call.raw_arguments = std::move(raw);
  ParseToolArguments(call);
  return call;
}

TEST(ToolArguments, ValidObjectParses) {
  ToolCall call = WithRaw(R"({"path": "a.txt", "limit": 3})");
  EXPECT_TRUE(call.arguments_ok());
  EXPECT_EQ(call.arguments["limit"], 3);
}

TEST(ToolArguments, EmptyTextIsAnEmptyObject) {
  ToolCall call = WithRaw("  ");
  EXPECT_TRUE(call.arguments_ok());
  EXPECT_EQ(call.arguments, Json::object());
}

TEST(ToolArguments, MalformedOrNonObjectArgumentsAreKeptWithAnError) {
  ToolCall cut = WithRaw(R"({"path": "a.t)");
  EXPECT_FALSE(cut.arguments_ok());
  EXPECT_EQ(cut.raw_arguments, R"({"path": "a.t)");
  EXPECT_EQ(cut.arguments, Json::object());
  ToolCall array = WithRaw("[1, 2]");
  EXPECT_FALSE(array.arguments_ok());
  EXPECT_NE(array.parse_error.find("must be a JSON object"), std::string::npos);
}

TEST(Message, TextJoinsTextPartsAndSkipsImages) {
  Message m;
  m.parts = {ContentPart::Text("a"), ContentPart::Image("image/png", "x"), ContentPart::Text("b")};
  EXPECT_EQ(m.Text(), "ab");
  EXPECT_TRUE(m.HasImages());
  EXPECT_FALSE(Message::User("hi").HasImages());
  EXPECT_EQ(StopReasonName(StopReason::kContentFilter), "content_filter");
  EXPECT_EQ(RoleName(Role::kTool), "tool");
}

}  // namespace
}  // namespace mh::llm
