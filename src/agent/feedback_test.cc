// Feedback into an ended session: CI logs and review comments go back to the engineer's
// own session, which continues its conversation (AddFeedback, then Session::Open).
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/events.h"
#include "agent/fake_model.h"
#include "agent/session.h"
#include "base/secrets.h"

namespace mh::agent::testing {
namespace {

class FeedbackTest : public SessionTest {
 protected:
  // Runs session "ses_test" with `script` to its end.
  SessionResult RunScript(std::vector<Result<llm::ModelResponse>> script) {
    ScriptedModel model(std::move(script));
    auto session = Open(model, Config());
    EXPECT_TRUE(session.ok()) << session.error().ToString();
    return session.ok() ? RunSession(**session) : SessionResult{};
  }

  std::string RecordState() {
    auto record = store_->GetSession("ses_test");
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? record->state : "";
  }

  int Count(const std::string& kind) {
    std::vector<std::string> kinds = EventKinds("ses_test");
    return static_cast<int>(std::count(kinds.begin(), kinds.end(), kind));
  }
};

const char* const kCiLog = "CI failed: test_sum expected 3, got 2";

TEST_F(FeedbackTest, SubmittedSessionContinuesWithTheFeedbackAndSubmitsAgain) {
  ASSERT_EQ(RunScript({Reply("", {{"count", R"({"note":"a"})"}}),
                       Reply("", {{"submit", R"({"summary":"first try"})"}})})
                .outcome,
            Outcome::kSubmitted);
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", kCiLog).ok());
  EXPECT_EQ(RecordState(), "running");
  ReopenStore();

  ScriptedModel model({Reply("", {{"count", R"({"note":"b"})"}}),
                       Reply("", {{"submit", R"({"summary":"fixed the sum"})"}})});
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_TRUE((*session)->resumed());
  EXPECT_EQ((*session)->result().outcome, Outcome::kRunning);
  EXPECT_EQ((*session)->result().summary, "");
  SessionResult result = RunSession(**session);

  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "fixed the sum");
  ASSERT_EQ(model.calls(), 2u);
  const llm::Message last = model.requests()[0].messages.back();
  EXPECT_EQ(last.role, llm::Role::kUser);
  EXPECT_EQ(last.Text(), kCiLog);
  EXPECT_EQ(*count_log_, (std::vector<std::string>{"a", "b"}));
  // Totals cover the whole session: two steps before the feedback, two after.
  EXPECT_EQ(result.totals.steps, 4);
  EXPECT_EQ(result.totals.tokens(), 440);
  EXPECT_DOUBLE_EQ(result.totals.cost_usd, 0.004);
  EXPECT_EQ(RecordState(), "submitted");
  std::vector<std::string> kinds = EventKinds("ses_test");
  auto feedback = std::find(kinds.begin(), kinds.end(), "feedback");
  ASSERT_NE(feedback, kinds.end());
  EXPECT_EQ(*(feedback - 1), "session_ended");
  EXPECT_EQ(*(feedback + 1), "session_resumed");
  EXPECT_EQ(kinds.back(), "session_ended");

  // Opened again, it is final with the new summary, and replay puts the feedback where
  // the live session had it.
  std::vector<llm::Message> live = (*session)->history();
  session->reset();
  ScriptedModel idle({});
  auto again = Open(idle, Config());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(RunSession(**again).summary, "fixed the sum");
  EXPECT_EQ(idle.calls(), 0u);
  ASSERT_EQ((*again)->history().size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(DumpJson(events::MessageToJson((*again)->history()[i])),
              DumpJson(events::MessageToJson(live[i])));
  }
}

TEST_F(FeedbackTest, UnknownSessionOrEmptyTextIsRefused) {
  EXPECT_EQ(AddFeedback(*store_, "ses_nobody", kCiLog).code(), StatusCode::kNotFound);
  ASSERT_EQ(RunScript({Reply("", {{"submit", R"({"summary":"s"})"}})}).outcome,
            Outcome::kSubmitted);
  EXPECT_EQ(AddFeedback(*store_, "ses_test", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("feedback"), 0);
  EXPECT_EQ(RecordState(), "submitted");
}

TEST_F(FeedbackTest, TwoFeedbacksToABlockedSessionReachTheModelInOrder) {
  SessionResult blocked =
      RunScript({Reply("", {{"ask_for_help", R"({"question":"which branch?"})"}})});
  ASSERT_EQ(blocked.outcome, Outcome::kBlocked);
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", "Use the main branch.").ok());
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", "Review: also rename sum to total.").ok());

  ScriptedModel model({Reply("", {{"submit", R"({"summary":"renamed on main"})"}})});
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok());
  EXPECT_EQ((*session)->result().question, "");
  SessionResult result = RunSession(**session);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.question, "");
  ASSERT_EQ(model.calls(), 1u);
  const std::vector<llm::Message> m = model.requests()[0].messages;
  ASSERT_GE(m.size(), 4u);
  EXPECT_EQ(m[m.size() - 3].role, llm::Role::kTool);  // the answer to ask_for_help
  EXPECT_EQ(m[m.size() - 2].Text(), "Use the main branch.");
  EXPECT_EQ(m[m.size() - 1].Text(), "Review: also rename sum to total.");
}

TEST_F(FeedbackTest, FailedSessionContinuesAfterFeedback) {
  SessionResult failed = RunScript({UnavailableError("provider overloaded")});
  ASSERT_EQ(failed.outcome, Outcome::kFailed);
  ASSERT_EQ(RecordState(), "failed");
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", "The provider is back; try again.").ok());
  EXPECT_EQ(RecordState(), "running");

  ScriptedModel model({Reply("", {{"submit", R"({"summary":"done"})"}})});
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok());
  SessionResult result = RunSession(**session);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(model.requests()[0].messages.back().Text(), "The provider is back; try again.");
}

TEST_F(FeedbackTest, UnreachableModelPausesTheSessionUnrecordedAndOpenResumesIt) {
  ScriptedModel down({Reply("", {{"count", R"({"note":"a"})"}}),
                      UnavailableError("HTTP connect failed: Connection refused")});
  SessionConfig config = Config();
  config.pause_on_transient_model_error = true;
  auto first = Open(down, config);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  SessionResult paused = RunSession(**first);
  EXPECT_EQ(paused.outcome, Outcome::kFailed);
  EXPECT_EQ(paused.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(paused.resumable);
  EXPECT_EQ(RecordState(), "running");  // No end recorded: a later Open resumes.
  EXPECT_EQ(Count(std::string(events::kSessionEnded)), 0);
  first->reset();
  ReopenStore();

  ScriptedModel back({Reply("", {{"submit", R"({"summary":"done"})"}})});
  auto session = Open(back, config);
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_TRUE((*session)->resumed());
  SessionResult result = RunSession(**session);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(Count(std::string(events::kToolResult)),
            2);  // count once, then submit: nothing repeated.
}

TEST_F(FeedbackTest, APermanentModelErrorEndsTheSessionEvenWhenPausingIsOn) {
  ScriptedModel model({PermissionDeniedError("set XAI_API_KEY: HTTP 401 invalid key")});
  SessionConfig config = Config();
  config.pause_on_transient_model_error = true;
  auto session = Open(model, config);
  ASSERT_TRUE(session.ok());
  SessionResult result = RunSession(**session);
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_FALSE(result.resumable);
  EXPECT_EQ(RecordState(), "failed");
}

// The continued part dies with a model call in flight (a kill: no end recorded); the
// next Open neither asks for the recorded reply again nor re-runs its tool call.
TEST_F(FeedbackTest, CrashAfterFeedbackResumesWithoutRepeatingRecordedReplies) {
  ASSERT_EQ(RunScript({Reply("", {{"count", R"({"note":"a"})"}}),
                       Reply("", {{"submit", R"({"summary":"first try"})"}})})
                .outcome,
            Outcome::kSubmitted);
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", kCiLog).ok());
  {
    ScriptedModel dying({Reply("", {{"count", R"({"note":"b"})"}}), CancelledError("killed")});
    auto session = Open(dying, Config());
    ASSERT_TRUE(session.ok());
    SessionResult died = RunSession(**session);
    ASSERT_EQ(died.status.code(), StatusCode::kCancelled);
  }
  ReopenStore();
  EXPECT_EQ(RecordState(), "running");

  ScriptedModel model({Reply("", {{"submit", R"({"summary":"fixed"})"}})});
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok());
  SessionResult result = RunSession(**session);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "fixed");
  EXPECT_EQ(model.calls(), 1u);
  EXPECT_EQ(*count_log_, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result.totals.steps, 4);
  EXPECT_EQ(Count("model_reply"), 4);
  EXPECT_EQ(Count("feedback"), 1);
  // The request after the crash: ..., feedback, the recorded reply, its recorded result.
  const std::vector<llm::Message> m = model.requests()[0].messages;
  ASSERT_GE(m.size(), 3u);
  EXPECT_EQ(m[m.size() - 3].Text(), kCiLog);
  EXPECT_EQ(m[m.size() - 2].role, llm::Role::kAssistant);
  EXPECT_EQ(m[m.size() - 1].Text(), "count 2");
}

TEST_F(FeedbackTest, SecretsInFeedbackAreRedacted) {
  ASSERT_EQ(RunScript({Reply("", {{"submit", R"({"summary":"s"})"}})}).outcome,
            Outcome::kSubmitted);
  RegisterSecret("sk-live-feedback-0123456789");
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", "CI log: token sk-live-feedback-0123456789").ok());
  auto events = store_->ReadSessionEvents("ses_test", 0, 1000);
  ASSERT_TRUE(events.ok());
  bool found = false;
  for (const store::Event& e : *events) {
    EXPECT_EQ(e.payload.find("sk-live-feedback-0123456789"), std::string::npos) << e.kind;
    found = found || e.kind == "feedback";
  }
  EXPECT_TRUE(found);
  ClearSecretsForTesting();
}

// Feedback to a session that died between recording a reply and running its call: the
// call is answered "not run" (the conversation stays well formed for the provider), and
// a result a still-live process records for it afterwards is ignored.
TEST_F(FeedbackTest, FeedbackMidStepSettlesTheCallsLeftWithoutResult) {
  ASSERT_EQ(RunScript({CancelledError("killed")}).status.code(), StatusCode::kCancelled);
  llm::Message reply = Reply("", {{"count", R"({"note":"never"})"}}).message;
  reply.tool_calls[0].id = "call_1";
  auto append = [&](std::string kind, const Json& payload) {
    ASSERT_TRUE(store_
                    ->AppendEvent({.company_id = "solve",
                                   .session_id = "ses_test",
                                   .kind = std::move(kind),
                                   .payload = DumpJson(payload)})
                    .ok());
  };
  append("model_reply", {{"step", 1}, {"message", events::MessageToJson(reply)}});
  ASSERT_TRUE(AddFeedback(*store_, "ses_test", kCiLog).ok());
  append("tool_result",
         {{"step", 1},
          {"name", "count"},
          {"message", events::MessageToJson(llm::Message::ToolResult("call_1", "late"))},
          {"outcome", "none"}});

  ScriptedModel model({Reply("", {{"submit", R"({"summary":"ok"})"}})});
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_EQ(RunSession(**session).outcome, Outcome::kSubmitted);
  EXPECT_TRUE(count_log_->empty());
  const std::vector<llm::Message> m = model.requests()[0].messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1].role, llm::Role::kAssistant);
  EXPECT_EQ(m[2].tool_call_id, "call_1");
  EXPECT_TRUE(m[2].is_error);
  EXPECT_NE(m[2].Text().find("Not run"), std::string::npos) << m[2].Text();
  EXPECT_EQ(m[3].Text(), kCiLog);
}

}  // namespace
}  // namespace mh::agent::testing
