// Crash and resume: the session dies at every recording point in turn (a store wrapper
// refuses all writes from the Nth append on, as a killed process would make no more),
// then a new Session on the same store continues.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/events.h"
#include "agent/fake_model.h"
#include "agent/session.h"

namespace mh::agent::testing {
namespace {

// Forwards to `inner`; from the `fail_at`-th event append on, every append fails.
class DyingStore final : public store::Store {
 public:
  DyingStore(store::Store& inner, int fail_at) : inner_(inner), appends_left_(fail_at - 1) {}

  Result<int64_t> AppendEvent(const store::NewEvent& event) override {
    if (appends_left_-- <= 0) return UnavailableError("the process died");
    return inner_.AppendEvent(event);
  }
  Result<store::SeqRange> AppendEvents(std::span<const store::NewEvent> events) override {
    return inner_.AppendEvents(events);
  }
  Result<std::vector<store::Event>> ReadEvents(std::string_view c, int64_t a, int64_t l) override {
    return inner_.ReadEvents(c, a, l);
  }
  Result<std::vector<store::Event>> ReadSessionEvents(std::string_view s, int64_t a,
                                                      int64_t l) override {
    return inner_.ReadSessionEvents(s, a, l);
  }
  Result<int64_t> LastSeq() override { return inner_.LastSeq(); }
  Status CreateSession(const store::SessionRecord& s) override { return inner_.CreateSession(s); }
  Result<store::SessionRecord> GetSession(std::string_view id) override {
    return inner_.GetSession(id);
  }
  Status UpdateSession(std::string_view id, std::string_view state,
                       std::string_view blob) override {
    if (appends_left_ < 0) return UnavailableError("the process died");
    return inner_.UpdateSession(id, state, blob);
  }
  Result<std::vector<store::SessionRecord>> ListSessions(
      std::string_view c, std::optional<std::string_view> state) override {
    return inner_.ListSessions(c, state);
  }
  Status CreateWorkItem(const store::WorkItem& i) override { return inner_.CreateWorkItem(i); }
  Result<store::WorkItem> GetWorkItem(std::string_view id) override {
    return inner_.GetWorkItem(id);
  }
  Status UpdateWorkItem(const store::WorkItem& i) override { return inner_.UpdateWorkItem(i); }
  Result<std::vector<store::WorkItem>> ListWorkItems(std::string_view c,
                                                     const store::WorkItemFilter& f) override {
    return inner_.ListWorkItems(c, f);
  }
  Status AddDependency(std::string_view a, std::string_view b) override {
    return inner_.AddDependency(a, b);
  }
  Status RemoveDependency(std::string_view a, std::string_view b) override {
    return inner_.RemoveDependency(a, b);
  }
  Result<std::vector<std::string>> ListDependencies(std::string_view id) override {
    return inner_.ListDependencies(id);
  }
  Result<int64_t> AddComment(std::string_view w, std::string_view a, std::string_view b) override {
    return inner_.AddComment(w, a, b);
  }
  Result<std::vector<store::Comment>> ListComments(std::string_view w) override {
    return inner_.ListComments(w);
  }
  Result<bool> AcquireLease(std::string_view n, std::string_view h,
                            std::chrono::milliseconds t) override {
    return inner_.AcquireLease(n, h, t);
  }
  Status RenewLease(std::string_view n, std::string_view h, std::chrono::milliseconds t) override {
    return inner_.RenewLease(n, h, t);
  }
  Status ReleaseLease(std::string_view n, std::string_view h) override {
    return inner_.ReleaseLease(n, h);
  }
  Result<std::optional<store::Lease>> GetLease(std::string_view n) override {
    return inner_.GetLease(n);
  }
  Result<bool> RecordEffectOnce(std::string_view k, std::string_view d) override {
    return inner_.RecordEffectOnce(k, d);
  }
  Result<std::optional<std::string>> GetEffect(std::string_view k) override {
    return inner_.GetEffect(k);
  }
  Status RunInTransaction(const std::function<Status(store::Store&)>& body) override {
    return inner_.RunInTransaction([&](store::Store&) { return body(*this); });
  }

 private:
  store::Store& inner_;
  int appends_left_;
};

// Four steps: count a; count b and c; echo; submit.
std::vector<Result<llm::ModelResponse>> Script() {
  return {Reply("", {{"count", R"({"note":"a"})"}}),
          Reply("", {{"count", R"({"note":"b"})"}, {"count", R"({"note":"c"})"}}),
          Reply("", {{"echo", R"({"text":"hi"})"}}),
          Reply("", {{"submit", R"({"summary":"counted"})"}})};
}

class ResumeTest : public SessionTest {
 protected:
  Result<std::unique_ptr<Session>> OpenOn(store::Store& store, llm::Model& model,
                                          SessionConfig config) {
    return Session::Open({.model = &model,
                          .registry = &registry_,
                          .tool_context = ctx_.get(),
                          .store = &store,
                          .clock = &clock_},
                         std::move(config));
  }

  int Count(const std::string& kind, const std::string& id = "ses_test") {
    std::vector<std::string> kinds = EventKinds(id);
    return static_cast<int>(std::count(kinds.begin(), kinds.end(), kind));
  }
};

TEST_F(ResumeTest, DeathAtAnyRecordingPointRepeatsNoReplyAndNoCompletedCall) {
  // A full run appends 1 start + 4 requests + 4 replies + 5 results + 1 end = 15 events.
  for (int fail_at = 1; fail_at <= 15; ++fail_at) {
    SCOPED_TRACE("dies at append " + std::to_string(fail_at));
    count_log_->clear();
    SessionConfig config = Config();
    config.id = "ses_" + std::to_string(fail_at);
    std::vector<Result<llm::ModelResponse>> script = Script();
    {
      DyingStore dying(*store_, fail_at);
      ScriptedModel first(script);
      auto session = OpenOn(dying, first, config);
      if (!session.ok()) {
        ASSERT_EQ(fail_at, 1);  // Even the first event failed: the session never existed.
        continue;
      }
      SessionResult died = RunSession(**session);
      ASSERT_EQ(died.outcome, Outcome::kFailed);
      EXPECT_EQ(died.status.code(), StatusCode::kUnavailable) << died.status.ToString();
    }
    ReopenStore();
    int recorded_replies = Count("model_reply", config.id);
    int recorded_results = Count("tool_result", config.id);
    std::vector<std::string> ran_before = *count_log_;

    ScriptedModel second({script.begin() + recorded_replies, script.end()});
    auto resumed = OpenOn(*store_, second, config);
    ASSERT_TRUE(resumed.ok()) << resumed.error().ToString();
    EXPECT_TRUE((*resumed)->resumed());
    SessionResult result = RunSession(**resumed);

    ASSERT_EQ(result.outcome, Outcome::kSubmitted) << result.status.ToString();
    EXPECT_EQ(result.summary, "counted");
    EXPECT_EQ(second.calls(), script.size() - recorded_replies) << "no recorded reply asked again";
    EXPECT_EQ(Count("model_reply", config.id), 4);
    EXPECT_EQ(Count("tool_result", config.id), 5);
    // Each call ran once, except one whose result the dead process failed to record:
    // that one (and only that one) ran again.
    std::vector<std::string> notes = *count_log_;
    bool interrupted = static_cast<int>(ran_before.size()) >
                       std::min(recorded_results, 3);  // Results 1..3 are counts.
    std::vector<std::string> expected = {"a", "b", "c"};
    if (interrupted) expected.insert(expected.begin() + recorded_results, ran_before.back());
    EXPECT_EQ(notes, expected);
    // The resumed request history matches an uninterrupted run's: same tool results.
    if (second.calls() > 0) {
      const llm::ModelRequest first_after = second.requests()[0];
      size_t results =
          std::count_if(first_after.messages.begin(), first_after.messages.end(),
                        [](const llm::Message& m) { return m.role == llm::Role::kTool; });
      EXPECT_EQ(results, std::vector<size_t>({0, 1, 3, 4})[recorded_replies]);
    }
  }
}

TEST_F(ResumeTest, SubmittedSessionIsNotRunAgain) {
  ScriptedModel model(Script());
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok());
  ASSERT_EQ(RunSession(**session).outcome, Outcome::kSubmitted);
  session->reset();

  ScriptedModel idle({});
  auto again = Open(idle, Config("another task is ignored"));
  ASSERT_TRUE(again.ok());
  SessionResult result = RunSession(**again);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.summary, "counted");
  EXPECT_EQ(result.totals.steps, 4);
  EXPECT_EQ(idle.calls(), 0u);
  EXPECT_EQ((*again)->config().task, "make it so");
  EXPECT_EQ(*count_log_, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ResumeTest, SessionEndedByALimitGoesOnWithAHigherLimit) {
  std::vector<Result<llm::ModelResponse>> script = Script();
  ScriptedModel first(script);
  SessionConfig config = Config();
  config.limits.max_steps = 2;
  auto session = Open(first, config);
  ASSERT_TRUE(session.ok());
  SessionResult limited = RunSession(**session);
  ASSERT_EQ(limited.status.code(), StatusCode::kResourceExhausted);
  session->reset();

  ReopenStore();
  ScriptedModel second({script.begin() + 2, script.end()});
  config.limits.max_steps = 10;
  auto resumed = Open(second, config);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ((*resumed)->result().outcome, Outcome::kRunning);
  SessionResult result = RunSession(**resumed);
  EXPECT_EQ(result.outcome, Outcome::kSubmitted);
  EXPECT_EQ(result.totals.steps, 4);
  EXPECT_EQ(second.calls(), 2u);
  EXPECT_EQ(*count_log_, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ResumeTest, ReplayRebuildsTheSameHistory) {
  ScriptedModel model(Script());
  auto session = Open(model, Config());
  ASSERT_TRUE(session.ok());
  RunSession(**session);
  std::vector<llm::Message> original = (*session)->history();
  session->reset();

  ScriptedModel idle({});
  auto again = Open(idle, Config());
  ASSERT_TRUE(again.ok());
  const std::vector<llm::Message>& replayed = (*again)->history();
  ASSERT_EQ(replayed.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(DumpJson(events::MessageToJson(replayed[i])),
              DumpJson(events::MessageToJson(original[i])));
  }
}

}  // namespace
}  // namespace mh::agent::testing
