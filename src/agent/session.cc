// Opening a session: creating it in the store, or rebuilding it from its events.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "agent/events.h"
#include "agent/session_impl.h"
#include "base/secrets.h"

namespace mh::agent {

const char* const kNudgeText =
    "Your reply called no tool. Use a tool to make progress, or call submit when the task "
    "is done (ask_for_help if you are blocked). If you reply in text only again, that reply "
    "ends your work and becomes its summary.";
const char* const kNudgeMustCallText =
    "Your reply called no tool. This work ends only through its tool: call it now. Another "
    "reply in text only ends the session as failed.";
const char* const kCutReplyText =
    "Your last reply was cut off at the output limit before it was complete, so nothing in "
    "it was acted on. Continue from where it was cut, more briefly: split long content into "
    "several smaller tool calls.";

bool IsTransientModelError(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kRunning:
      return "running";
    case Outcome::kSubmitted:
      return "submitted";
    case Outcome::kBlocked:
      return "blocked";
    case Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

int64_t SessionTotals::tokens() const { return usage.total(); }

namespace {

Json LimitsToJson(const SessionLimits& limits) {
  return {{"max_steps", limits.max_steps},
          {"max_tokens", limits.max_tokens},
          {"max_cost_usd", limits.max_cost_usd},
          {"max_wall_time_ms", limits.max_wall_time.count()}};
}

Status CheckDeps(const SessionDeps& deps, const SessionConfig& config) {
  if (deps.model == nullptr || deps.registry == nullptr || deps.tool_context == nullptr ||
      deps.store == nullptr || deps.clock == nullptr) {
    return InvalidArgumentError(
        "session: model, registry, tool context, store and clock are required");
  }
  if (config.id.empty()) return InvalidArgumentError("session: an id is required");
  return Status::Ok();
}

// All of a session's events, in order.
Result<std::vector<store::Event>> ReadAllEvents(store::Store& store, const std::string& id) {
  std::vector<store::Event> all;
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::Event> page, store.ReadSessionEvents(id, after, 1000));
    if (page.empty()) return all;
    after = page.back().seq;
    for (store::Event& e : page) all.push_back(std::move(e));
  }
}

}  // namespace

Session::Impl::Impl(SessionDeps deps, SessionConfig config)
    : deps_(deps), config_(std::move(config)) {
  for (const auto& tool : deps_.registry->tools()) {
    tool_specs_.push_back({tool->name(), tool->description(), tool->parameters()});
  }
}

Status Session::Impl::Append(std::string_view kind, const Json& payload) {
  store::NewEvent event{.company_id = config_.company_id,
                        .session_id = config_.id,
                        .kind = std::string(kind),
                        .payload = RedactSecrets(DumpJson(payload))};
  return deps_.store->AppendEvent(event).status();
}

Status Session::Impl::Create() {
  if (config_.task.empty()) return InvalidArgumentError("session: a task is required");
  Json tools = Json::array();
  for (const llm::ToolSpec& spec : tool_specs_) tools.push_back(spec.name);
  Json started = {{"role", config_.role},
                  {"role_prompt", config_.role_prompt},
                  {"task", config_.task},
                  {"model", deps_.model->name()},
                  {"limits", LimitsToJson(config_.limits)},
                  {"tools", std::move(tools)}};
  // The record and its first event together: a session never exists without its task.
  RETURN_IF_ERROR(deps_.store->RunInTransaction([&](store::Store& store) -> Status {
    RETURN_IF_ERROR(store.CreateSession({.id = config_.id,
                                         .company_id = config_.company_id,
                                         .work_item_id = config_.work_item_id,
                                         .role = config_.role,
                                         .state = "running",
                                         .state_blob = config_.state_blob}));
    return Append(events::kSessionStarted, started);
  }));
  history_.push_back(llm::Message::User(config_.task));
  return Status::Ok();
}

void Session::Impl::ApplyReply(const llm::Message& message, llm::StopReason stop,
                               const llm::Usage& usage, double cost,
                               std::chrono::milliseconds duration) {
  history_.push_back(message);
  result_.totals.steps += 1;
  result_.totals.usage += usage;
  result_.totals.cost_usd += cost;
  result_.totals.elapsed += duration;
  step_ = StepReport{.step = result_.totals.steps,
                     .tools = {},
                     .duration = duration,
                     .usage = usage,
                     .cost_usd = cost,
                     .any_error = false};
  pending_.assign(message.tool_calls.begin(), message.tool_calls.end());
  if (pending_.empty()) {
    ApplyTextReply(message, stop);
  } else {
    text_replies_in_a_row_ = 0;
  }
}

void Session::Impl::ApplyTextReply(const llm::Message& message, llm::StopReason stop) {
  if (stop == llm::StopReason::kMaxTokens) {  // Cut: never taken as an answer.
    text_replies_in_a_row_ = 0;
    history_.push_back(llm::Message::User(kCutReplyText));
    return;
  }
  bool finishes = config_.text_reply == TextReplyPolicy::kFinishes;
  if (++text_replies_in_a_row_ < 2) {
    history_.push_back(llm::Message::User(finishes ? kNudgeText : kNudgeMustCallText));
    return;
  }
  std::string text = RedactSecrets(message.Text());
  if (finishes) {
    result_.outcome = Outcome::kSubmitted;
    result_.summary = text.empty() ? "(the model ended without a summary)" : text;
    return;
  }
  result_.outcome = Outcome::kFailed;
  result_.status = FailedPreconditionError(
      "the model replied in text twice in a row instead of calling its tool: " +
      (text.empty() ? std::string("(empty reply)") : text.substr(0, 500)));
}

void Session::Impl::ApplyToolResult(const llm::Message& result, tools::SessionOutcome outcome,
                                    const std::string& name, const std::string& detail,
                                    std::chrono::milliseconds duration) {
  history_.push_back(result);
  result_.totals.elapsed += duration;
  step_.tools.push_back(name);
  step_.duration += duration;
  step_.any_error = step_.any_error || result.is_error;
  if (!pending_.empty() && pending_.front().id == result.tool_call_id) pending_.pop_front();
  if (outcome == tools::SessionOutcome::kSubmitted) {
    result_.outcome = Outcome::kSubmitted;
    result_.summary = detail;
  } else if (outcome == tools::SessionOutcome::kBlocked) {
    result_.outcome = Outcome::kBlocked;
    result_.question = detail;
  }
  // Calls after a submit or a question are not run: the session is over.
  if (outcome != tools::SessionOutcome::kNone) pending_.clear();
}

namespace {

tools::SessionOutcome OutcomeFromName(const std::string& name) {
  if (name == "submitted") return tools::SessionOutcome::kSubmitted;
  if (name == "blocked") return tools::SessionOutcome::kBlocked;
  return tools::SessionOutcome::kNone;
}

Outcome EndOutcomeFromName(const std::string& name) {
  if (name == "submitted") return Outcome::kSubmitted;
  if (name == "blocked") return Outcome::kBlocked;
  return Outcome::kFailed;
}

llm::StopReason StopFromName(const std::string& name) {
  for (llm::StopReason stop :
       {llm::StopReason::kEndTurn, llm::StopReason::kToolUse, llm::StopReason::kMaxTokens,
        llm::StopReason::kStopSequence, llm::StopReason::kContentFilter}) {
    if (llm::StopReasonName(stop) == name) return stop;
  }
  return llm::StopReason::kOther;
}

StatusCode CodeFromName(const std::string& name) {
  for (int c = 1; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return StatusCode::kInternal;
}

std::chrono::milliseconds DurationField(const Json& payload) {
  return std::chrono::milliseconds(events::Field<int64_t>(payload, "duration_ms", 0));
}

}  // namespace

namespace {

// The end a session_ended event records.
void ApplyEnd(const Json& p, SessionResult& result) {
  result.outcome = EndOutcomeFromName(events::Field<std::string>(p, "outcome", "failed"));
  result.summary = events::Field<std::string>(p, "summary", result.summary);
  result.question = events::Field<std::string>(p, "question", result.question);
  std::string reason = events::Field<std::string>(p, "reason", "");
  result.status = result.outcome == Outcome::kFailed
                      ? Status(CodeFromName(events::Field<std::string>(p, "code", "")), reason)
                      : Status::Ok();
}

// Feedback reopens the session with a new user message. Calls of the last reply still
// without a result (feedback to a session interrupted mid-step) get an error result
// first, so the conversation stays well formed; their ids go to `settled` so a result
// recorded later for them is ignored.
void ApplyFeedback(Session::Impl& session, const std::string& text,
                   std::set<std::string>& settled) {
  for (const llm::ToolCall& call : session.pending_) {
    session.history_.push_back(llm::Message::ToolResult(
        call.id, "Not run: the session was interrupted, then received feedback.", true));
    settled.insert(call.id);
  }
  session.pending_.clear();
  session.text_replies_in_a_row_ = 0;
  session.history_.push_back(llm::Message::User(text));
  session.result_.outcome = Outcome::kRunning;
  session.result_.status = Status::Ok();
  session.result_.summary.clear();
  session.result_.question.clear();
  session.skip_end_record_ = false;
}

}  // namespace

Status Session::Impl::Replay(const std::vector<store::Event>& all) {
  std::set<std::string> settled;  // Calls answered by ApplyFeedback.
  for (const store::Event& event : all) {
    Result<Json> parsed = ParseJson(event.payload);
    if (!parsed.ok()) {
      return DataLossError("session " + config_.id + ": event " + std::to_string(event.seq) +
                           " is not JSON: " + parsed.error().message());
    }
    const Json& p = *parsed;
    if (event.kind == events::kSessionStarted) {
      config_.role = events::Field<std::string>(p, "role", config_.role);
      config_.role_prompt = events::Field<std::string>(p, "role_prompt", "");
      config_.task = events::Field<std::string>(p, "task", "");
      history_.push_back(llm::Message::User(config_.task));
    } else if (event.kind == events::kModelReply) {
      ASSIGN_OR_RETURN(llm::Message message,
                       events::MessageFromJson(p.value("message", Json::object())));
      ApplyReply(message, StopFromName(events::Field<std::string>(p, "stop_reason", "")),
                 events::UsageFromJson(p.value("usage", Json::object())),
                 events::Field<double>(p, "cost_usd", 0), DurationField(p));
    } else if (event.kind == events::kToolResult) {
      ASSIGN_OR_RETURN(llm::Message message,
                       events::MessageFromJson(p.value("message", Json::object())));
      if (settled.count(message.tool_call_id) > 0) continue;
      std::string outcome = events::Field<std::string>(p, "outcome", "none");
      std::string detail =
          events::Field<std::string>(p, outcome == "blocked" ? "question" : "summary", "");
      ApplyToolResult(message, OutcomeFromName(outcome), events::Field<std::string>(p, "name", ""),
                      detail, DurationField(p));
    } else if (event.kind == events::kSessionEnded) {
      ApplyEnd(p, result_);
      skip_end_record_ = true;
    } else if (event.kind == events::kSessionResumed) {
      result_.outcome = Outcome::kRunning;
      result_.status = Status::Ok();
      skip_end_record_ = false;
    } else if (event.kind == events::kFeedback) {
      ApplyFeedback(*this, events::Field<std::string>(p, "text", ""), settled);
    }
  }
  if (history_.empty()) {
    return DataLossError("session " + config_.id + " has no session_started event");
  }
  return Status::Ok();
}

Status Session::Impl::MarkResumed() {
  resumed_ = true;
  // Submitted or blocked with no feedback after it (Replay makes feedback reopen it).
  if (result_.outcome == Outcome::kSubmitted || result_.outcome == Outcome::kBlocked) {
    return Status::Ok();  // Final: there is nothing to continue.
  }
  // Failed (a limit, a model error), interrupted, or given feedback: go on from the last
  // recorded step.
  result_.outcome = Outcome::kRunning;
  result_.status = Status::Ok();
  skip_end_record_ = false;
  Json pending = Json::array();
  for (const llm::ToolCall& call : pending_) pending.push_back(call.id);
  RETURN_IF_ERROR(deps_.store->UpdateSession(config_.id, "running", config_.state_blob));
  return Append(events::kSessionResumed, {{"steps", result_.totals.steps},
                                          {"limits", LimitsToJson(config_.limits)},
                                          {"pending_calls", std::move(pending)}});
}

Result<std::unique_ptr<Session>> Session::Open(SessionDeps deps, SessionConfig config) {
  RETURN_IF_ERROR(CheckDeps(deps, config));
  // Compact before the model's window is full: the window the history may use is what the
  // model takes less the reply's room.
  if (llm::ModelLimits limits = deps.model->limits(); limits.context_window > 0) {
    int64_t reply = config.max_output_tokens;
    if (limits.output_limit > 0) reply = std::min(reply, limits.output_limit);
    int64_t room = std::max(limits.context_window - reply, limits.context_window / 2);
    config.context.window_tokens = std::min(config.context.window_tokens, room);
  }
  auto impl = std::make_unique<Impl>(deps, std::move(config));
  impl->fixed_tokens_ =
      EstimateTokens(llm::Message::System(impl->config_.role_prompt), impl->config_.context);
  for (const llm::ToolSpec& spec : impl->tool_specs_) {
    impl->fixed_tokens_ += static_cast<int64_t>(
        (spec.name.size() + spec.description.size() + DumpJson(spec.parameters).size() + 3) / 4);
  }
  Result<store::SessionRecord> record = deps.store->GetSession(impl->config_.id);
  if (!record.ok() && record.error().code() != StatusCode::kNotFound) return record.error();
  if (!record.ok()) {
    RETURN_IF_ERROR(impl->Create());
  } else {
    impl->config_.company_id = record->company_id;
    impl->config_.state_blob = record->state_blob;
    ASSIGN_OR_RETURN(std::vector<store::Event> all, ReadAllEvents(*deps.store, impl->config_.id));
    RETURN_IF_ERROR(impl->Replay(all));
    RETURN_IF_ERROR(impl->MarkResumed());
  }
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Status AddFeedback(store::Store& store, std::string_view session_id, std::string_view text) {
  if (text.empty()) return InvalidArgumentError("feedback needs a text");
  return store.RunInTransaction([&](store::Store& tx) -> Status {
    ASSIGN_OR_RETURN(store::SessionRecord record, tx.GetSession(session_id));
    store::NewEvent event{.company_id = record.company_id,
                          .session_id = std::string(session_id),
                          .kind = std::string(events::kFeedback),
                          .payload = RedactSecrets(DumpJson(Json{{"text", std::string(text)}}))};
    RETURN_IF_ERROR(tx.AppendEvent(event).status());
    return tx.UpdateSession(session_id, OutcomeName(Outcome::kRunning), record.state_blob);
  });
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

void Session::set_step_callback(std::function<void(const StepReport&)> callback) {
  impl_->step_callback_ = std::move(callback);
}
void Session::Start(Executor executor, std::function<void(const SessionResult&)> done) {
  impl_->Start(std::move(executor), std::move(done));
}
void Session::Cancel() { impl_->Cancel(); }
const std::string& Session::id() const { return impl_->config_.id; }
const SessionConfig& Session::config() const { return impl_->config_; }
const SessionResult& Session::result() const { return impl_->result_; }
const std::vector<llm::Message>& Session::history() const { return impl_->history_; }
bool Session::resumed() const { return impl_->resumed_; }

}  // namespace mh::agent
