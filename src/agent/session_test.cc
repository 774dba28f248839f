#include "agent/session.h"

#include <gtest/gtest.h>

#include "agent/fake_model.h"
#include "base/secrets.h"

namespace mh::agent::testing {
namespace {

using Calls = std::vector<std::pair<std::string, std::string>>;

class SessionLoopTest : public SessionTest {
 protected:
  SessionResult Run(ScriptedModel& model, SessionConfig config) {
    auto session = Open(model, std::move(config));
    EXPECT_TRUE(session.ok()) << session.error().ToString();
    if (!session.ok()) return {};
    (*session)->set_step_callback([this](const StepReport& step) { steps_.push_back(step); });
    SessionResult result = RunSession(**session);
    history_ = (*session)->history();
    return result;
  }

  std::vector<StepReport> steps_;
  std::vector<llm::Message> history_;
};

TEST_F(SessionLoopTest, RunsToolsUntilSubmitAndRecordsEachStep) {
  ScriptedModel model({Reply("counting", {{"count", R"({"note":"a"})"}}),
                       Reply("done", {{"submit", R"({"summary":"counted a"})"}})});
  SessionResult result = Run(model, Config());

  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "counted a");
  EXPECT_EQ(*count_log_, std::vector<std::string>{"a"});
  EXPECT_EQ(result.totals.steps, 2);
  EXPECT_EQ(result.totals.tokens(), 220);
  EXPECT_DOUBLE_EQ(result.totals.cost_usd, 0.002);
  EXPECT_EQ(
      EventKinds("ses_test"),
      (std::vector<std::string>{"session_started", "model_request", "model_reply", "tool_result",
                                "model_request", "model_reply", "tool_result", "session_ended"}));
  // The second request carries the task, the first reply and its result.
  std::vector<llm::ModelRequest> requests = model.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].system_prompt, "You are a test agent.");
  ASSERT_EQ(requests[1].messages.size(), 3u);
  EXPECT_EQ(requests[1].messages[0].Text(), "make it so");
  EXPECT_EQ(requests[1].messages[2].role, llm::Role::kTool);
  EXPECT_EQ(requests[1].messages[2].Text(), "count 1");
  ASSERT_EQ(requests[0].tools.size(), 4u);
  EXPECT_EQ(requests[0].tools[0].name, "count");
  auto record = store_->GetSession("ses_test");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, "submitted");
}

TEST_F(SessionLoopTest, ReportsOneLinePerStep) {
  ScriptedModel model({Reply("", {{"echo", R"({"text":"x"})"}, {"count", R"({"note":"n"})"}}),
                       Reply("", {{"submit", R"({"summary":"ok"})"}})});
  Run(model, Config());
  ASSERT_EQ(steps_.size(), 2u);
  EXPECT_EQ(steps_[0].step, 1);
  EXPECT_EQ(steps_[0].tools, (std::vector<std::string>{"echo", "count"}));
  EXPECT_EQ(steps_[0].usage.input_tokens, 100);
  EXPECT_EQ(steps_[1].tools, std::vector<std::string>{"submit"});
}

TEST_F(SessionLoopTest, InvalidCallsBecomeErrorObservations) {
  ScriptedModel model(
      {Reply("",
             {{"no_such_tool", "{}"}, {"count", "{not json"}, {"count", R"({"notes":"wrong"})"}}),
       Reply("", {{"submit", R"({"summary":"gave up"})"}})});
  SessionResult result = Run(model, Config());

  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_TRUE(count_log_->empty()) << "no invalid call may reach the tool";
  std::vector<llm::ModelRequest> requests = model.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::vector<llm::Message>& m = requests[1].messages;
  ASSERT_EQ(m.size(), 5u);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(m[i].role, llm::Role::kTool);
    EXPECT_TRUE(m[i].is_error) << m[i].Text();
  }
  EXPECT_NE(m[2].Text().find("count"), std::string::npos) << "lists the valid tools";
  EXPECT_EQ(m[3].Text().rfind("count", 0), 0u) << m[3].Text();
  EXPECT_NE(m[4].Text().find("note"), std::string::npos) << m[4].Text();
  EXPECT_TRUE(steps_[0].any_error);
}

TEST_F(SessionLoopTest, ReplyWithoutToolCallGetsANudgeAndCountsAsAStep) {
  ScriptedModel model(
      {Reply("I think I am done."), Reply("", {{"submit", R"({"summary":"done"})"}})});
  SessionResult result = Run(model, Config());

  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.totals.steps, 2);
  std::vector<llm::ModelRequest> requests = model.requests();
  ASSERT_EQ(requests.size(), 2u);
  const llm::Message& last = requests[1].messages.back();
  EXPECT_EQ(last.role, llm::Role::kUser);
  EXPECT_NE(last.Text().find("submit"), std::string::npos);
  EXPECT_TRUE(steps_[0].tools.empty());
}

TEST_F(SessionLoopTest, SecondTextReplyInARowFinishesWithItAsTheSummary) {
  ScriptedModel model({Reply("Let me think."), Reply("The fix is in parser.cc: done."),
                       Reply("", {{"count", R"({"note":"never"})"}})});
  SessionResult result = Run(model, Config());
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "The fix is in parser.cc: done.");
  EXPECT_EQ(model.calls(), 2u) << "one nudge, not forty-eight";
  EXPECT_EQ(EventKinds("ses_test").back(), "session_ended");
}

TEST_F(SessionLoopTest, RoleThatMustCallItsToolFailsOnTheSecondTextReply) {
  ScriptedModel model({Reply("Looks good to me."), Reply("Approved.")});
  SessionConfig config = Config();
  config.text_reply = TextReplyPolicy::kFails;
  SessionResult result = Run(model, config);
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status.message().find("Approved."), std::string::npos);
  EXPECT_NE(model.requests()[1].messages.back().Text().find("call it now"), std::string::npos);
}

TEST_F(SessionLoopTest, CutReplyIsNeverTakenAsFinishedWork) {
  llm::ModelResponse cut = Reply("Here is the whole file: int main() {");
  cut.stop_reason = llm::StopReason::kMaxTokens;
  ScriptedModel model(
      {cut, Reply("Done, I think."), cut, Reply("", {{"submit", R"({"summary":"ok"})"}})});
  SessionResult result = Run(model, Config());
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "ok") << "neither cut reply nor the single text reply ended it";
  std::vector<llm::ModelRequest> requests = model.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_NE(requests[1].messages.back().Text().find("cut off at the output limit"),
            std::string::npos);
  EXPECT_NE(requests[3].messages.back().Text().find("cut off"), std::string::npos);
}

TEST_F(SessionLoopTest, AskForHelpEndsBlockedWithTheQuestion) {
  ScriptedModel model({Reply("", {{"ask_for_help", R"({"question":"which branch?"})"},
                                  {"count", R"({"note":"never"})"}})});
  SessionResult result = Run(model, Config());
  EXPECT_EQ(result.outcome, Outcome::kBlocked);
  EXPECT_EQ(result.question, "which branch?");
  EXPECT_TRUE(count_log_->empty()) << "calls after ask_for_help are not run";
  EXPECT_EQ(EventKinds("ses_test").back(), "session_ended");
}

std::vector<Result<llm::ModelResponse>> EchoForever(int n) {
  std::vector<Result<llm::ModelResponse>> script;
  for (int i = 0; i < n; ++i) script.push_back(Reply("", {{"echo", R"({"text":"x"})"}}));
  return script;
}

TEST_F(SessionLoopTest, StepLimitEndsTheSession) {
  ScriptedModel model(EchoForever(10));
  SessionConfig config = Config();
  config.limits.max_steps = 3;
  SessionResult result = Run(model, config);
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status.message().find("step limit"), std::string::npos);
  EXPECT_EQ(model.calls(), 3u);
  auto record = store_->GetSession("ses_test");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, "failed");
}

TEST_F(SessionLoopTest, TokenAndCostLimitsEndTheSession) {
  ScriptedModel tokens_model(EchoForever(10));
  SessionConfig config = Config();
  config.limits.max_tokens = 500;  // 110 tokens per reply: the 5th reply passes it.
  SessionResult result = Run(tokens_model, config);
  EXPECT_EQ(result.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status.message().find("token limit"), std::string::npos);
  EXPECT_EQ(tokens_model.calls(), 5u);

  ScriptedModel cost_model(EchoForever(10));
  config.id = "ses_cost";
  config.limits = SessionLimits{};
  config.limits.max_steps = 0;
  config.limits.max_cost_usd = 0.0025;
  result = Run(cost_model, config);
  EXPECT_EQ(result.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status.message().find("cost limit"), std::string::npos);
  EXPECT_EQ(cost_model.calls(), 3u);
}

TEST_F(SessionLoopTest, ModelErrorEndsTheSessionWithItsReason) {
  ScriptedModel model({Reply("", {{"echo", R"({"text":"x"})"}}),
                       PermissionDeniedError("set XAI_API_KEY to use xai/grok-4")});
  SessionResult result = Run(model, Config());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(result.status.message().find("XAI_API_KEY"), std::string::npos);
  EXPECT_EQ(EventKinds("ses_test").back(), "session_ended");
}

TEST_F(SessionLoopTest, SecretsNeverReachTheEvents) {
  RegisterSecret("sk-live-0123456789abcdef");
  ScriptedModel model({Reply("my key is sk-live-0123456789abcdef",
                             {{"echo", R"({"text":"sk-live-0123456789abcdef"})"}}),
                       Reply("", {{"submit", R"({"summary":"ok"})"}})});
  Run(model, Config("use sk-live-0123456789abcdef"));
  auto events = store_->ReadSessionEvents("ses_test", 0, 1000);
  ASSERT_TRUE(events.ok());
  for (const store::Event& e : *events) {
    EXPECT_EQ(e.payload.find("sk-live-0123456789abcdef"), std::string::npos) << e.kind;
  }
  ClearSecretsForTesting();
}

TEST_F(SessionLoopTest, SmallWindowElidesOldResultsInRequestsButKeepsTheRecordedHistory) {
  std::vector<Result<llm::ModelResponse>> script;
  for (int i = 0; i < 6; ++i)
    script.push_back(Reply("", {{"echo", R"({"text":"0123456789","times":100})"}}));
  script.push_back(Reply("", {{"submit", R"({"summary":"ok"})"}}));
  ScriptedModel model(script);
  SessionConfig config = Config();
  config.context.window_tokens = 1500;
  config.context.keep_recent_turns = 2;
  SessionResult result = Run(model, config);
  ASSERT_EQ(result.outcome, Outcome::kSubmitted);

  std::vector<llm::ModelRequest> requests = model.requests();
  const std::vector<llm::Message>& last = requests.back().messages;
  EXPECT_EQ(last[0].Text().rfind("make it so", 0), 0u) << "the task is kept";
  EXPECT_NE(last[2].Text().find("[output elided: 1000 chars"), std::string::npos);
  EXPECT_EQ(last.back().Text().size(), 1000u) << "the latest result is intact";
  // The recorded history (and so a resumed session) still has every result in full.
  EXPECT_EQ(history_[2].Text().size(), 1000u);
}

}  // namespace
}  // namespace mh::agent::testing
