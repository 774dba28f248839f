// Driving a session live: request, reply, tool calls, each recorded before the next.
#include <utility>

#include "agent/events.h"
#include "agent/session_impl.h"
#include "base/log.h"
#include "base/secrets.h"

namespace mh::agent {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Hears one model call and hands its outcome to the session's executor: the loop thread
// only posts, the session's work (recording, tools) runs on the executor.
class ReplyObserver final : public llm::CompletionObserver {
 public:
  ReplyObserver(Session::Impl& session, SteadyTime started)
      : session_(session), started_(started) {}

  void OnComplete(Result<llm::ModelResponse> response) override {
    milliseconds duration = duration_cast<milliseconds>(session_.deps_.clock->Steady() - started_);
    Session::Impl* session = &session_;
    auto reply = std::make_shared<Result<llm::ModelResponse>>(std::move(response));
    session->executor_([session, reply, duration] {
      session->OnReply(std::move(*reply), duration);
      session->Pump();
    });
  }

 private:
  Session::Impl& session_;
  SteadyTime started_;
};

std::string FormatUsd(double usd) {
  char text[32];
  std::snprintf(text, sizeof(text), "$%.4f", usd);
  return text;
}

}  // namespace

void Session::Impl::Start(Executor executor, std::function<void(const SessionResult&)> done) {
  executor_ = std::move(executor);
  done_ = std::move(done);
  executor_([this] { Pump(); });
}

void Session::Impl::Cancel() {
  std::optional<llm::CallId> call;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    call = in_flight_;
  }
  if (call) deps_.model->Cancel(*call);
}

void Session::Impl::Pump() {
  if (result_.outcome != Outcome::kRunning) {
    End(result_.outcome, result_.status, !skip_end_record_);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) {
      result_.resumable = true;
      End(Outcome::kFailed, CancelledError("session " + config_.id + " was cancelled"), false);
      return;
    }
  }
  if (!pending_.empty()) {
    llm::ToolCall call = pending_.front();
    RunTool(call);
    if (result_.outcome == Outcome::kRunning && pending_.empty()) ReportStep();
    executor_([this] { Pump(); });
    return;
  }
  if (Status limit = CheckLimits(); !limit.ok()) {
    End(Outcome::kFailed, limit, true);
    return;
  }
  RequestModel();
}

Status Session::Impl::CheckLimits() const {
  const SessionLimits& l = config_.limits;
  const SessionTotals& t = result_.totals;
  if (l.max_steps > 0 && t.steps >= l.max_steps) {
    return ResourceExhaustedError("step limit reached: " + std::to_string(t.steps) + " of " +
                                  std::to_string(l.max_steps) + " steps");
  }
  if (l.max_tokens > 0 && t.tokens() >= l.max_tokens) {
    return ResourceExhaustedError("token limit reached: " + std::to_string(t.tokens()) + " of " +
                                  std::to_string(l.max_tokens) + " tokens");
  }
  if (l.max_cost_usd > 0 && t.cost_usd >= l.max_cost_usd) {
    return ResourceExhaustedError("cost limit reached: " + FormatUsd(t.cost_usd) + " of " +
                                  FormatUsd(l.max_cost_usd));
  }
  if (l.max_wall_time.count() > 0 && t.elapsed >= l.max_wall_time) {
    return ResourceExhaustedError("wall time limit reached: " + std::to_string(t.elapsed.count()) +
                                  " ms of " + std::to_string(l.max_wall_time.count()) + " ms");
  }
  return Status::Ok();
}

void Session::Impl::RequestModel() {
  FittedContext fitted = FitContext(history_, fixed_tokens_, config_.context);
  llm::ModelRequest request;
  request.system_prompt = config_.role_prompt;
  request.messages = std::move(fitted.messages);
  request.tools = tool_specs_;
  request.max_tokens = config_.max_output_tokens;
  request.stream = config_.stream;
  Json messages = Json::array();
  for (const llm::Message& m : request.messages) messages.push_back(events::MessageToJson(m));
  std::string text = DumpJson(messages);
  Status recorded = Append(events::kModelRequest, {{"step", result_.totals.steps + 1},
                                                   {"messages", request.messages.size()},
                                                   {"bytes", text.size()},
                                                   {"fingerprint", events::Fingerprint(text)},
                                                   {"estimated_tokens", fitted.estimated_tokens},
                                                   {"elided_results", fitted.elided_results},
                                                   {"dropped_turns", fitted.dropped_turns}});
  if (!recorded.ok()) {
    End(Outcome::kFailed, recorded.WithContext("recording the model request"), false);
    return;
  }
  SteadyTime started = deps_.clock->Steady();
  llm::CallId id =
      deps_.model->Complete(std::move(request), std::make_unique<ReplyObserver>(*this, started));
  std::lock_guard lock(mutex_);
  in_flight_ = id;
}

void Session::Impl::OnReply(Result<llm::ModelResponse> reply, milliseconds duration) {
  bool cancelled;
  {
    std::lock_guard lock(mutex_);
    in_flight_.reset();
    cancelled = cancelled_;
  }
  if (!reply.ok()) {
    // A cancelled call is not an end: the session can be resumed later.
    bool is_cancel = cancelled || reply.error().code() == StatusCode::kCancelled;
    bool pause = config_.pause_on_transient_model_error && IsTransientModelError(reply.error());
    result_.outcome = Outcome::kFailed;
    result_.status = reply.error().WithContext("model call failed");
    skip_end_record_ = is_cancel || pause;  // Pump then ends without recording.
    result_.resumable = skip_end_record_;
    return;
  }
  const llm::ModelResponse& r = *reply;
  Json payload = {{"step", result_.totals.steps + 1},
                  {"message", events::MessageToJson(r.message)},
                  {"stop_reason", llm::StopReasonName(r.stop_reason)},
                  {"usage", events::UsageToJson(r.usage)},
                  {"cost_usd", r.cost_usd},
                  {"priced", r.priced},
                  {"model", r.model},
                  {"duration_ms", duration.count()}};
  if (!r.prompt_cut_warning.empty()) {
    // The reply looks whole but the server may have read only part of the prompt.
    payload["warning"] = r.prompt_cut_warning;
    spdlog::warn("session {}: model {}: {}", config_.id, r.model, r.prompt_cut_warning);
  }
  if (Status s = Append(events::kModelReply, payload); !s.ok()) {
    result_.outcome = Outcome::kFailed;
    result_.status = s.WithContext("recording the model reply");
    skip_end_record_ = true;  // The store refuses writes: do not try to record the end.
    return;
  }
  ApplyReply(r.message, r.stop_reason, r.usage, r.cost_usd, duration);
  if (pending_.empty()) ReportStep();
}

void Session::Impl::RunTool(const llm::ToolCall& call) {
  SteadyTime started = deps_.clock->Steady();
  tools::ToolResult tr =
      call.arguments_ok()
          ? deps_.registry->CallJson(call.name, call.arguments, *deps_.tool_context)
          : deps_.registry->Call(call.name, call.raw_arguments, *deps_.tool_context);
  milliseconds duration = duration_cast<milliseconds>(deps_.clock->Steady() - started);
  llm::Message message = llm::Message::ToolResult(call.id, RedactSecrets(tr.text), tr.is_error);
  for (const tools::ToolImage& image : tr.images) {
    message.parts.push_back(
        llm::ContentPart::Image(image.media_type, events::Base64Encode(image.data)));
  }
  Json payload = {{"step", result_.totals.steps},
                  {"call_id", call.id},
                  {"name", call.name},
                  {"message", events::MessageToJson(message)},
                  {"is_error", tr.is_error},
                  {"outcome", tools::SessionOutcomeName(tr.outcome)},
                  {"duration_ms", duration.count()}};
  if (!tr.summary.empty()) payload["summary"] = tr.summary;
  if (!tr.question.empty()) payload["question"] = tr.question;
  if (Status s = Append(events::kToolResult, payload); !s.ok()) {
    result_.outcome = Outcome::kFailed;
    result_.status = s.WithContext("recording the result of " + call.name);
    skip_end_record_ = true;
    return;
  }
  const std::string& detail =
      tr.outcome == tools::SessionOutcome::kBlocked ? tr.question : tr.summary;
  ApplyToolResult(message, tr.outcome, call.name, RedactSecrets(detail), duration);
  if (result_.outcome != Outcome::kRunning) ReportStep();
}

void Session::Impl::ReportStep() {
  if (step_callback_) step_callback_(step_);
}

void Session::Impl::End(Outcome outcome, Status status, bool record) {
  result_.outcome = outcome;
  result_.status = std::move(status);
  if (record) {
    Json payload = {{"outcome", OutcomeName(outcome)},
                    {"steps", result_.totals.steps},
                    {"tokens", result_.totals.tokens()},
                    {"cost_usd", result_.totals.cost_usd},
                    {"elapsed_ms", result_.totals.elapsed.count()}};
    if (!result_.summary.empty()) payload["summary"] = result_.summary;
    if (!result_.question.empty()) payload["question"] = result_.question;
    if (!result_.status.ok()) {
      payload["code"] = StatusCodeName(result_.status.code());
      payload["reason"] = result_.status.message();
    }
    Status s = Append(events::kSessionEnded, payload);
    if (s.ok())
      s = deps_.store->UpdateSession(config_.id, OutcomeName(outcome), config_.state_blob);
    if (!s.ok() && result_.status.ok()) {
      result_.outcome = Outcome::kFailed;
      result_.status = s.WithContext("recording the end of the session");
    }
    skip_end_record_ = s.ok();
  }
  if (done_) {
    auto done = std::move(done_);
    done_ = nullptr;
    done(result_);
  }
}

}  // namespace mh::agent
