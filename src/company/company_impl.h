// Company::Impl: the scheduler's state, shared by the files that implement it:
//   company.cc    opening, the scheduler loop, picking what to start
//   sessions.cc   starting, resuming and finishing agent sessions
//   gates.cc      CI, the merge queue and tags
//   plan.cc       the opening plan, acceptance rounds and releases
//   ledger.cc     spend per company, role and item; budgets
//   outage.cc     a model endpoint that stopped answering: back off, try again
// Private to company/.
//
// Threading: the scheduler loop (the thread in Run) owns every member not marked
// otherwise and is the only one to change work item states. Sessions and gate jobs run
// on `pool_`; when one ends it pushes a completion (a closure) to `inbox_`, which the
// loop runs. The ledger has its own mutex because session steps report from the pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/session.h"
#include "company/company.h"
#include "company/tracker.h"
#include "company/work_pool.h"
#include "sandbox/environment.h"
#include "sandbox/sandbox.h"
#include "sandbox/worktree.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::company {

// The author of the commits, merges and tags the system makes.
inline const sandbox::GitIdentity kSystemIdentity = {.name = "Macrohard",
                                                     .email = "macrohard@localhost"};

// Kinds whose work is a change to the product: tasks, features and bugs.
inline bool IsChangeKind(std::string_view kind) {
  return kind == "task" || kind == "feature" || kind == "bug";
}

// Tokens and dollars spent.
struct Spend {
  int64_t tokens = 0;
  double usd = 0;
  void Add(int64_t t, double u) {
    tokens += t;
    usd += u;
  }
};

// Who spent what; thread-safe.
class Ledger {
 public:
  void Add(const std::string& role, const std::string& item, int64_t tokens, double usd);
  Spend total() const;
  Spend role(const std::string& name) const;
  Spend item(const std::string& id) const;
  // The first budget of `charter` that `role`/`item` spending has reached, described for
  // a person; nullopt when none has. Empty role/item: only the company budget.
  std::optional<std::string> Exhausted(const Charter& charter, const std::string& role,
                                       const std::string& item) const;

 private:
  mutable std::mutex mutex_;
  Spend total_;                         // Guarded by mutex_.
  std::map<std::string, Spend> roles_;  // Guarded by mutex_.
  std::map<std::string, Spend> items_;  // Guarded by mutex_.
};

// True when a run's lease `holder` ("host:pid:...") names a process on this host that no
// longer exists.
bool LeaseHolderIsDead(const std::string& holder);

// The worktree as JSON, as kept in a session's state blob.
Json WorktreeToJson(const sandbox::Worktree& worktree);

// What the scheduler and the gates look up in the company's events (the commands the
// architect recorded, the reviews of each item), read incrementally: each call reads only
// the events appended since the last, not the whole log. Thread-safe.
class EventIndex {
 public:
  explicit EventIndex(const Tracker& tracker) : tracker_(tracker) {}
  // The build and test commands of the newest commands_set event, if any.
  Result<std::optional<std::pair<std::string, std::string>>> RecordedCommands();
  // How many reviews of `item` are recorded.
  Result<int> Reviews(const std::string& item);

 private:
  Status CatchUp();  // Requires mutex_.

  const Tracker& tracker_;
  std::mutex mutex_;
  int64_t after_ = 0;                                            // Guarded by mutex_.
  std::optional<std::pair<std::string, std::string>> commands_;  // Guarded by mutex_.
  std::map<std::string, int> reviews_;                           // Guarded by mutex_.
};

// What a session is for.
enum class SessionPurpose { kWork, kReview };

// A live session and everything it borrows; destroyed in reverse order.
struct LiveSession {
  std::string item_id;
  std::string kind;  // The item's kind when the session started (triage may change it).
  std::string role;
  std::string model;   // The model's name as company.toml gives it.
  bool probe = false;  // Started to see whether a model that stopped answering is back.
  SessionPurpose purpose = SessionPurpose::kWork;
  sandbox::Worktree worktree;
  std::unique_ptr<sandbox::SandboxedRunner> sandboxed;
  tools::ToolRegistry registry;
  std::unique_ptr<tools::ToolContext> context;
  std::unique_ptr<agent::Session> session;
  // Set by the session's done callback on the pool, with the thread it ran on; read by
  // the executor wrapper of that same thread once the piece of work has returned, so
  // exactly one wrapper reports the end (the next piece may already run elsewhere).
  std::optional<agent::SessionResult> ended;  // Guarded by mutex.
  std::thread::id ended_on;                   // Guarded by mutex.

  // Cancels the session, or, while it is still being prepared on the pool, makes it
  // cancel itself as soon as it is opened. Thread-safe.
  void Cancel();
  std::mutex mutex;
  bool cancelled = false;             // Guarded by mutex.
  agent::Session* started = nullptr;  // Guarded by mutex.
};

// What the pool did after a work session ended, for the scheduler to act on.
struct Aftermath {
  std::optional<Result<sandbox::CommitOutcome>> commit;  // The change, committed.
  std::vector<std::string> marked;  // Files still holding conflict markers (not committed).
};

// The outcome of a CI or merge job, computed on the pool.
struct GateResult {
  enum Kind { kPassed, kFailed, kConflict, kError } kind = kError;
  std::string commit;
  std::string log;  // The build and test output (tail), or the conflicting files.
  std::vector<std::string> conflicts;
};

// What a merge train did, computed on the pool.
struct TrainOutcome {
  std::vector<std::string> cars;                            // Every car's item id.
  std::vector<std::pair<std::string, std::string>> landed;  // Item id, main's new commit.
  std::vector<std::string> alone;  // Conflicted, or the train failed: merge these alone.
  Status error;                    // The train could not run.
};

// A model endpoint that stopped answering (unreachable, overloaded, cutting streams):
// sessions on it wait instead of asking a person, and one session tries again at
// `next_try`, backing off while it keeps failing.
struct ModelOutage {
  SystemTime since;
  SystemTime next_try;
  int failures = 0;      // Tries that failed in a row, the first one included.
  std::string reason;    // The newest error, for a person.
  bool probing = false;  // A session is trying it again now.
};

class Company::Impl {
 public:
  Impl(CompanyPaths paths, Charter charter, CompanyDeps deps, std::string company_id);

  // --- company.cc ---
  Result<RunReport> Run(const RunOptions& options);
  // One scheduling pass; true when it started something.
  Result<bool> Tick();
  RunReport Report() const;
  // Adds the planning dependencies of new items; true when it changed any.
  Result<bool> PlanNewItems(const std::vector<store::WorkItem>& items);
  void Post(std::function<void()> completion);  // Thread-safe.
  void Say(const std::string& line);
  bool InFlight() const;
  Result<bool> StartReady(const std::vector<store::WorkItem>& items);

  // --- sessions.cc ---
  // The engineer-style session of an item: id "<item>-<role>".
  static std::string WorkSessionId(const store::WorkItem& item, const std::string& role);
  // `probe`: the session tries a model that stopped answering (outage.cc).
  Status StartWorkSession(const store::WorkItem& item, bool probe = false);
  Status StartReviewSession(const store::WorkItem& item, bool probe = false);
  // Registers `live` under `id` (it holds a slot from now on) and, on the pool, runs
  // `make` (worktree, tools, the session's config) and starts the session; a failure
  // comes back to the scheduler as OnStartFailed.
  void Prepare(std::unique_ptr<LiveSession> live, const std::string& id,
               std::function<Result<agent::SessionConfig>(LiveSession&)> make);
  Status Launch(LiveSession& live, agent::SessionConfig config);  // On the pool.
  void OnStartFailed(const std::string& session_id, const Status& status);
  Aftermath SessionAftermath(LiveSession& live, const agent::SessionResult& result);  // Pool.
  void OnSessionEnded(const std::string& session_id, const agent::SessionResult& result,
                      const Aftermath& after);
  Status FinishWork(LiveSession& live, const agent::SessionResult& result, const Aftermath& after);
  Status FinishReview(LiveSession& live, const agent::SessionResult& result);
  // Sends `text` back to the item's work session and reopens the item.
  Status SendBack(const store::WorkItem& item, const std::string& text, const std::string& why);
  std::string SystemPrompt(const Role& role, const std::string& workdir) const;
  Result<sandbox::Worktree> WorktreeFor(const std::string& name, const std::string& branch,
                                        const std::string& base);
  Status MakeTools(LiveSession& live, const Role& role, const std::string& session_id);

  // --- gates.cc ---
  const KindRule* RuleFor(const store::WorkItem& item) const;
  // The state after `gate` (or after the session when `gate` is empty).
  std::string StateAfter(const store::WorkItem& item, std::optional<Gate> gate) const;
  Status StartCi(const store::WorkItem& item);
  Status StartMerge(const store::WorkItem& item);
  Status DoTag(const store::WorkItem& item);
  // train.cc: several approved changes landed together.
  Status StartTrain(const std::vector<store::WorkItem>& cars);
  TrainOutcome RunTrain(const std::vector<std::pair<std::string, sandbox::Worktree>>& cars);
  void OnTrainDone(const TrainOutcome& outcome);
  GateResult RunChecks(const sandbox::Worktree& worktree);
  void OnCiDone(const std::string& item_id, GateResult result);
  void OnMergeDone(const std::string& item_id, GateResult result);
  // On the pool: records the merge once and fast-forwards main to `commit` (which it
  // sets to the recorded one when an earlier run recorded it).
  Status Land(const std::string& item_id, const sandbox::Worktree& worktree, std::string& commit);
  Result<sandbox::Worktree> ItemWorktree(const store::WorkItem& item);
  Commands CurrentCommands();

  // --- plan.cc ---
  Status AfterAcceptance(const store::WorkItem& item);
  Status AfterTriage(const store::WorkItem& item);
  Status AfterDone(const store::WorkItem& item);
  // Serve: files a release when fixes are done and nothing else is open; true when it did.
  Result<bool> MaybeFileMaintenanceRelease(const std::vector<store::WorkItem>& items);
  std::string TaskText(const store::WorkItem& item);
  // Blocked items that a person answered go back to work; with `retry_failed` (once per
  // run, not every pass: a failing model must not be hammered) those whose session failed.
  Status ReopenBlocked(bool retry_failed);

  // --- ledger.cc ---
  Status LoadLedger();
  // Runs the charter's [environment] set-up when its stamp at main is not the current
  // one (company start, and after a merge moved main); names missing Debian packages.
  // Errors: kFailedPrecondition when set-up fails, naming the command and the log.
  Status PrepareEnvironment();
  // A sandbox over `worktree` with the company's network policy and environment.
  sandbox::SandboxConfig SandboxFor(const sandbox::Worktree& worktree) const;
  void OnStep(const std::string& role, const std::string& item, const agent::StepReport& step);
  void StopForBudget(const std::string& why);

  // --- outage.cc ---
  // The model name a role's sessions use.
  const std::string& ModelOf(const Role& role) const;
  enum class ModelGate { kGo, kProbe, kWait };
  // Whether a session on `model` may start now: kGo when it answers, kProbe for the one
  // session that tries it again (the caller starts it with probe set), kWait otherwise.
  ModelGate GateModel(const std::string& model);
  // A session on the model failed with a transient model error (IsTransientModelError):
  // the model is down; the session's item stays where it was, to be resumed.
  void OnModelDown(const LiveSession& live, const Status& error);
  // A model reply came (any thread): the model is back.
  void OnModelReply(const std::string& model);
  void ModelAnswered(const std::string& model);  // Scheduler thread.
  // A probe that could not start: another may try at once.
  void OnProbeGone(const LiveSession& live);
  // A probe session ended. Any end but a transient model error (OnModelDown counts that)
  // means the endpoint answered, even with a refusal such as a bad key, which is then the
  // item's to report; a cancel lets another try.
  void OnProbeEnded(const LiveSession& live, const agent::SessionResult& result);
  // "model endpoint ... unreachable since HH:MM, next try in N s" for each model down.
  std::string OutageLines() const;

  CompanyPaths paths_;
  Charter charter_;
  CompanyDeps deps_;
  Tracker tracker_;
  EventIndex index_{tracker_};
  std::unique_ptr<sandbox::WorktreeManager> worktrees_;
  std::unique_ptr<sandbox::Environment> environment_;  // Thread-safe (environment.h).
  std::string environment_main_;  // Main when the stamp was last checked (scheduler thread).
  std::unique_ptr<WorkPool> pool_;
  Ledger ledger_;
  RunOptions options_;
  std::string holder_;  // This run's lease holder name.

  std::map<std::string, std::unique_ptr<LiveSession>> live_;  // By session id.
  std::set<std::string> gate_jobs_;                           // Item ids with a CI/merge job.
  bool merging_ = false;                                      // The merge queue is busy.
  std::set<std::string> alone_;  // Items to merge one at a time (a train failed with them).
  std::optional<std::string> budget_stop_;
  std::map<std::string, ModelOutage> outages_;  // By model name.
  std::atomic<bool> any_outage_{false};         // !outages_.empty(), for the pool's OnStep.

  std::mutex inbox_mutex_;
  std::condition_variable inbox_wake_;
  std::deque<std::function<void()>> inbox_;         // Guarded by inbox_mutex_.
  std::optional<std::string> pending_budget_stop_;  // Guarded by inbox_mutex_.
};

}  // namespace mh::company
