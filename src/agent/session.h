// Session: one agent working one task, as a durable state machine.
//
// A session holds a role prompt, a task, a model, a tool registry with its ToolContext,
// limits, a Store and a Clock. It alternates model turns and tool calls until the agent
// calls submit or ask_for_help, or a limit ends it. Every step is recorded in the store
// before the next begins (docs/agent.md lists the events):
//   model_reply   appended (durable) before any of its tool calls runs;
//   tool_result   appended before the next tool call or model call.
// Opening a session whose id the store already knows resumes it: the history is rebuilt
// from its events, recorded replies are not requested again and tool calls with a
// recorded result are not run again. A call of the last reply without a result is run
// (it may have been half done when the process died: at-least-once for that call only).
//
// Not a thread per session: the session is a state machine driven by model completions.
// Start() asks the model and returns; Model::Complete answers on the transport's loop
// thread, and the session posts the rest of the work (recording, running tools, the next
// request) to an Executor the owner supplies. The company runs many sessions on a few
// worker threads this way; RunSession() drives one session to its end on the calling
// thread for `macrohard solve` and tests.
//
// Thread-safety: a session's own work runs one piece at a time on its executor; do not
// call its methods concurrently. Ownership: borrows everything in SessionDeps, which
// must outlive it (and any call in flight).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "agent/context.h"
#include "base/clock.h"
#include "base/status.h"
#include "llm/model.h"
#include "llm/types.h"
#include "store/store.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::agent {

// A limit of 0 means none.
struct SessionLimits {
  int64_t max_steps = 50;
  int64_t max_tokens = 0;  // Input + output tokens over all replies.
  double max_cost_usd = 0;
  std::chrono::milliseconds max_wall_time{0};  // Time spent in model calls and tools.
};

// What a reply without a tool call means. The first gets a nudge (an observation asking
// for a tool call); a second in a row ends the session:
//  - kFinishes: submitted, with the reply's text as the summary (roles whose work ends in
//    submit: most real models finish with a text answer);
//  - kFails: failed (kFailedPrecondition) naming the text (roles that must call a specific
//    tool, such as a review's verdict).
// A reply cut by the output limit is neither: the model is told it was cut and continues.
enum class TextReplyPolicy { kFinishes, kFails };

// What a new session is started with. On resume the task and prompt come from the
// store; the limits given to Open() replace the recorded ones.
struct SessionConfig {
  std::string id;  // Required; e.g. IdGenerator::Next("ses").
  std::string company_id = "solve";
  std::string role = "engineer";
  // The work item the session works on, kept in its record; must exist in the store.
  std::optional<std::string> work_item_id;
  std::string role_prompt;  // The system prompt.
  std::string task;         // The first user message. Required for a new session.
  std::string state_blob;   // Opaque to the session; kept in the SessionRecord.
  SessionLimits limits;
  ContextOptions context;
  int max_output_tokens = 8192;  // Per model call.
  bool stream = true;
  TextReplyPolicy text_reply = TextReplyPolicy::kFinishes;
  // A model call that fails for a reason that passes by itself (the endpoint unreachable
  // or overloaded, a cut stream, a timeout: IsTransientModelError) ends the session
  // unrecorded, like a cancel, so that it can be resumed once the model answers again.
  bool pause_on_transient_model_error = false;
};

// True for model errors that retrying later can cure: kUnavailable, kDeadlineExceeded.
// A bad key, an unknown model or no quota are not: a person must act.
bool IsTransientModelError(const Status& status);

// Everything a session borrows; each must outlive it.
struct SessionDeps {
  llm::Model* model = nullptr;
  const tools::ToolRegistry* registry = nullptr;
  tools::ToolContext* tool_context = nullptr;
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
};

enum class Outcome {
  kRunning,    // Not ended yet.
  kSubmitted,  // The agent called submit; `summary` says what it did.
  kBlocked,    // The agent asked for help; `question` says what it needs.
  kFailed,     // A model error or a limit; `status` says which.
};

// "running", "submitted", "blocked", "failed".
const char* OutcomeName(Outcome outcome);

struct SessionTotals {
  int64_t steps = 0;  // Model replies, nudged ones included.
  llm::Usage usage;
  double cost_usd = 0;
  std::chrono::milliseconds elapsed{0};  // Model calls plus tool calls.

  int64_t tokens() const;
};

struct SessionResult {
  Outcome outcome = Outcome::kRunning;
  std::string summary;
  std::string question;
  Status status;  // Non-ok with kFailed: kResourceExhausted for limits, else the model's.
  SessionTotals totals;
  // kFailed without an end record (cancelled, or paused on a transient model error):
  // Open resumes it where it stopped.
  bool resumable = false;
};

// One finished step: a model reply and the tool calls it made.
struct StepReport {
  int64_t step = 0;                // 1-based.
  std::vector<std::string> tools;  // Names called, in order; empty when nudged.
  std::chrono::milliseconds duration{0};
  llm::Usage usage;
  double cost_usd = 0;
  bool any_error = false;  // Some call came back with is_error.
};

// Runs work posted by a session. Must not run `work` inline from inside Post when that
// could recurse without bound; a queue or a thread pool is right.
using Executor = std::function<void(std::function<void()> work)>;

class Session {
 public:
  // Creates the session in the store (session record + session_started event) or, when
  // the store already has `config.id`, resumes it from its events. Errors: kInvalidArgument
  // for missing deps, id or task; kDataLoss for events that cannot be read back; store
  // errors as they come.
  static Result<std::unique_ptr<Session>> Open(SessionDeps deps, SessionConfig config);
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Called after each step has been recorded, on the executor.
  void set_step_callback(std::function<void(const StepReport&)> callback);

  // Starts driving: posts the next piece of work to `executor` and returns. `done` is
  // called once, on the executor, when the session has ended (its end is recorded).
  // A session that had already ended calls `done` at once with the recorded result.
  void Start(Executor executor, std::function<void(const SessionResult&)> done);

  // Cancels the model call in flight, if any; the session then ends kFailed/kCancelled
  // without recording an end, so it can be resumed later. Thread-safe.
  void Cancel();

  const std::string& id() const;
  const SessionConfig& config() const;
  // The state so far (after Open: what replay found).
  const SessionResult& result() const;
  // The conversation after the system prompt: the task, then replies and observations.
  const std::vector<llm::Message>& history() const;
  // True when Open() found the session in the store.
  bool resumed() const;

  class Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sends `text` (a CI log, review comments, a merge conflict) to session `session_id` as
// a new user message: records a `feedback` event (secrets redacted) and sets the session
// record's state to "running", in one transaction. The next Session::Open of that id
// continues the conversation from there, even when it had ended `submitted`, `blocked`
// or `failed`: the history gets the text as a user message after what was recorded, the
// outcome becomes running, summary and question are cleared; the totals keep counting
// (limits given to Open apply to the whole session). Meant for a session that is not
// running: a live one sees the feedback only when it is next opened. Errors:
// kInvalidArgument (empty text), kNotFound (unknown session), store errors.
// Thread-safety: as the store's.
Status AddFeedback(store::Store& store, std::string_view session_id, std::string_view text);

// Drives `session` to its end on the calling thread: tools and store writes run here,
// model calls on the model's transport. A stop request cancels the model call in flight.
SessionResult RunSession(Session& session, std::stop_token stop = {});

}  // namespace mh::agent
