// Session::Impl: the state of one session, shared by session.cc (opening, replaying the
// recorded events) and session_loop.cc (driving it live). Private to agent/.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/session.h"
#include "base/json.h"
#include "store/records.h"

namespace mh::agent {

class Session::Impl {
 public:
  Impl(SessionDeps deps, SessionConfig config);

  // --- Opening (session.cc). ---
  Status Create();
  Status Replay(const std::vector<store::Event>& events);
  // After replay: an ended-by-failure or interrupted session goes on; records that.
  Status MarkResumed();

  // --- Applying a step to the state: shared by replay and the live loop. ---
  void ApplyReply(const llm::Message& message, llm::StopReason stop, const llm::Usage& usage,
                  double cost, std::chrono::milliseconds duration);
  // A reply without tool calls: a nudge, a note that it was cut, or the session's end.
  void ApplyTextReply(const llm::Message& message, llm::StopReason stop);
  void ApplyToolResult(const llm::Message& result, tools::SessionOutcome outcome,
                       const std::string& name, const std::string& detail,
                       std::chrono::milliseconds duration);

  // --- Driving (session_loop.cc). ---
  void Start(Executor executor, std::function<void(const SessionResult&)> done);
  void Cancel();
  void Pump();
  void RequestModel();
  void OnReply(Result<llm::ModelResponse> reply, std::chrono::milliseconds duration);
  void RunTool(const llm::ToolCall& call);
  // Records the end (when `record`), updates the session record, then calls done.
  void End(Outcome outcome, Status status, bool record);
  Status CheckLimits() const;
  Status Append(std::string_view kind, const Json& payload);
  void ReportStep();

  SessionDeps deps_;
  SessionConfig config_;
  std::vector<llm::ToolSpec> tool_specs_;
  int64_t fixed_tokens_ = 0;  // System prompt and tool specs.
  std::vector<llm::Message> history_;
  std::deque<llm::ToolCall> pending_;  // Calls of the last reply with no result yet.
  SessionResult result_;
  StepReport step_;  // The step in progress.
  bool resumed_ = false;
  int text_replies_in_a_row_ = 0;
  // The end is recorded already, or must not be (cancelled, or the store refuses writes).
  bool skip_end_record_ = false;

  Executor executor_;
  std::function<void(const SessionResult&)> done_;
  std::function<void(const StepReport&)> step_callback_;

  std::mutex mutex_;
  std::optional<llm::CallId> in_flight_;  // Guarded by mutex_.
  bool cancelled_ = false;                // Guarded by mutex_.
};

// The observation a reply without tool calls gets (TextReplyPolicy kFinishes, kFails).
extern const char* const kNudgeText;
extern const char* const kNudgeMustCallText;
// The observation a reply cut by the output limit gets.
extern const char* const kCutReplyText;

}  // namespace mh::agent
