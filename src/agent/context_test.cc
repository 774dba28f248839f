#include "agent/context.h"

#include <gtest/gtest.h>

namespace mh::agent {
namespace {

using llm::Message;

// The task, then `turns` turns of one call each whose result is `result_chars` long.
std::vector<Message> History(int turns, size_t result_chars) {
  std::vector<Message> history = {Message::User("the task")};
  for (int i = 0; i < turns; ++i) {
    llm::ToolCall call;
    call.id = "c" + std::to_string(i);
    call.name = "read_file";
    history.push_back(Message::Assistant("turn " + std::to_string(i), {call}));
    history.push_back(Message::ToolResult(call.id, std::string(result_chars, 'a' + i)));
  }
  return history;
}

ContextOptions Small() {
  ContextOptions options;
  options.window_tokens = 1000;
  options.threshold = 0.8;
  options.keep_recent_turns = 2;
  return options;
}

TEST(ContextTest, EstimatesFourCharactersPerTokenAndImagesFlat) {
  ContextOptions options;
  EXPECT_EQ(EstimateTokens(Message::User(std::string(400, 'x')), options), 100);
  EXPECT_EQ(EstimateTokens(Message::User("abcde"), options), 2);
  Message with_image = Message::User("");
  with_image.parts.push_back(llm::ContentPart::Image("image/png", "AAAA"));
  EXPECT_EQ(EstimateTokens(with_image, options), options.image_tokens);
}

TEST(ContextTest, HistoryUnderTheThresholdIsSentAsIs) {
  std::vector<Message> history = History(3, 400);
  FittedContext fitted = FitContext(history, 100, Small());
  EXPECT_EQ(fitted.elided_results, 0);
  EXPECT_EQ(fitted.dropped_turns, 0);
  ASSERT_EQ(fitted.messages.size(), history.size());
  EXPECT_EQ(fitted.messages[2].Text(), history[2].Text());
}

TEST(ContextTest, ElidesOldestResultsFirstAndKeepsRecentTurns) {
  // 6 results of 400 tokens: 2400 tokens against a limit of 800.
  std::vector<Message> history = History(6, 1600);
  ContextOptions options = Small();
  options.window_tokens = 2000;  // Limit 1600.
  FittedContext fitted = FitContext(history, 0, options);
  EXPECT_EQ(fitted.dropped_turns, 0);
  EXPECT_EQ(fitted.elided_results, 3);
  EXPECT_LE(fitted.estimated_tokens, 1600);
  ASSERT_EQ(fitted.messages.size(), history.size());
  EXPECT_EQ(fitted.messages[0].Text(), "the task");
  EXPECT_EQ(fitted.messages[2].Text(), ElisionNote(1600));
  EXPECT_EQ(fitted.messages[6].Text(), ElisionNote(1600));
  EXPECT_EQ(fitted.messages[8].Text(), history[8].Text()) << "elision stops once it fits";
  EXPECT_EQ(fitted.messages[12].Text(), history[12].Text());
  EXPECT_EQ(fitted.messages[2].tool_call_id, "c0") << "the result still answers its call";
}

TEST(ContextTest, DropsOldestTurnsWholeWhenElisionIsNotEnough) {
  // 20 turns: even elided, the old turns do not fit in 800 tokens with 2 big recent ones.
  std::vector<Message> history = History(20, 1200);
  FittedContext fitted = FitContext(history, 0, Small());
  EXPECT_GT(fitted.dropped_turns, 0);
  EXPECT_LE(fitted.estimated_tokens, 800);
  const std::vector<Message>& m = fitted.messages;
  EXPECT_EQ(m[0].Text().rfind("the task", 0), 0u);
  EXPECT_NE(m[0].Text().find(std::to_string(fitted.dropped_turns) + " earlier turns were dropped"),
            std::string::npos);
  ASSERT_EQ(m.size(), 1 + 2 * (20 - static_cast<size_t>(fitted.dropped_turns)));
  // Turns stay whole: each assistant call is followed by its own result.
  for (size_t i = 1; i < m.size(); i += 2) {
    ASSERT_EQ(m[i].role, llm::Role::kAssistant);
    ASSERT_EQ(m[i + 1].tool_call_id, m[i].tool_calls[0].id);
  }
  EXPECT_EQ(m.back().Text(), history.back().Text());
  EXPECT_EQ(m[m.size() - 3].Text(), history[history.size() - 3].Text());
}

TEST(ContextTest, NeverTouchesTheTaskOrRecentTurnsEvenWhenTheyAloneAreTooBig) {
  std::vector<Message> history = History(2, 8000);
  FittedContext fitted = FitContext(history, 0, Small());
  EXPECT_EQ(fitted.elided_results, 0);
  EXPECT_EQ(fitted.dropped_turns, 0);
  EXPECT_GT(fitted.estimated_tokens, 800);
  EXPECT_EQ(fitted.messages[4].Text(), history[4].Text());
}

TEST(ContextTest, IsDeterministic) {
  std::vector<Message> history = History(20, 1200);
  FittedContext a = FitContext(history, 50, Small());
  FittedContext b = FitContext(history, 50, Small());
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i)
    EXPECT_EQ(a.messages[i].Text(), b.messages[i].Text());
}

}  // namespace
}  // namespace mh::agent
