#include "desktop/openai_actions.h"

#include <gtest/gtest.h>

namespace mh::desktop {
namespace {

TEST(OpenAiActionsTest, ClickBecomesTheMatchingButtonAction) {
  auto steps =
      TranslateOpenAiAction({{"type", "click"}, {"x", 10}, {"y", 20}, {"button", "right"}});
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0], (Json{{"action", "right_click"}, {"coordinate", {10, 20}}}));
}

TEST(OpenAiActionsTest, KeypressJoinsKeysIntoAChord) {
  auto steps = TranslateOpenAiAction({{"type", "keypress"}, {"keys", {"CTRL", "S"}}});
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ((*steps)[0], (Json{{"action", "key"}, {"text", "ctrl+s"}}));
}

TEST(OpenAiActionsTest, DragFollowsThePathWithTheButtonHeld) {
  auto steps = TranslateOpenAiAction(
      {{"type", "drag"},
       {"path", {{{"x", 1}, {"y", 2}}, {{"x", 5}, {"y", 6}}, {{"x", 9}, {"y", 9}}}}});
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 5u);
  EXPECT_EQ((*steps)[0]["action"], "mouse_move");
  EXPECT_EQ((*steps)[1]["action"], "left_mouse_down");
  EXPECT_EQ((*steps)[3]["coordinate"], Json({9, 9}));
  EXPECT_EQ((*steps)[4]["action"], "left_mouse_up");
}

TEST(OpenAiActionsTest, ScrollPixelsBecomeWheelClicks) {
  auto steps = TranslateOpenAiAction(
      {{"type", "scroll"}, {"x", 3}, {"y", 4}, {"scroll_x", 0}, {"scroll_y", -300}});
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ((*steps)[0]["scroll_direction"], "up");
  EXPECT_EQ((*steps)[0]["scroll_amount"], 3);
}

TEST(OpenAiActionsTest, BadActionsAreExplained) {
  auto unknown = TranslateOpenAiAction({{"type", "teleport"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("keypress"), std::string::npos);
  EXPECT_FALSE(TranslateOpenAiAction({{"type", "click"}, {"x", 1}}).ok());
  EXPECT_FALSE(
      TranslateOpenAiAction({{"type", "click"}, {"x", 1}, {"y", 1}, {"button", "back"}}).ok());
}

}  // namespace
}  // namespace mh::desktop
