// Replay: a recorded trajectory played back as a model's outputs (`--model replay:SPEC`),
// through the real tools and sandbox, so a published agent run can be re-run against a
// repository and the diff it produces compared with the recorded one. docs/replay.md.
//
// SPEC is one of:
//   FILE              a mini-swe-agent trajectory (JSON with `trajectory_format`
//                     "mini-swe-agent-1" or "mini-swe-agent-1.1"), or a Macrohard
//                     session exported as JSON lines (one event per line:
//                     {"kind": ..., "payload": {...}}).
//   STORE.db#SESSION  a Macrohard session read straight from its store.
//
// Mapping (the recorded observations are not shown to anyone: the real tools run; only
// their exit codes are kept, to warn when a replayed command now ends differently):
//   - Macrohard session: each model_reply event's message, tool calls as recorded, with
//     its recorded usage.
//   - mini-swe-agent-1: each assistant message's single ```bash block becomes a
//     run_command call {command}; a message with zero or several blocks becomes a reply
//     without a tool call (mini-swe-agent ran nothing for it either).
//   - mini-swe-agent-1.1: each tool call of function `bash` becomes run_command.
//   In both mini-swe-agent formats the action that submits (its command holds
//   COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT) becomes a submit call instead of being run:
//   that command only prints the diff, which solve compares itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "llm/model.h"
#include "llm/types.h"
#include "sandbox/process.h"
#include "store/records.h"

namespace mh::agent {

inline constexpr std::string_view kReplayModelPrefix = "replay:";

enum class TrajectoryFormat { kMacrohardSession, kMiniSweAgent1, kMiniSweAgent11 };

// "macrohard-session", "mini-swe-agent-1", "mini-swe-agent-1.1".
std::string_view TrajectoryFormatName(TrajectoryFormat format);

// How a recording defines its submission (docs/replay.md, "The recorded diff").
enum class SubmissionScope {
  // Everything the run changed in the tree: mini-swe-agent's `git add -A && git diff
  // --cached`, a Macrohard session's commit.
  kWholeTree,
  // Only the files the submission names: the agent printed a patch it made itself
  // (mini-swe-agent 2's `git diff -- FILES > patch.txt; cat patch.txt`), so files it left
  // out (reproduction scripts, patch.txt) are not part of it.
  kRecordedPaths,
};

// What one recorded command call ended with, to compare with the replay.
struct RecordedCall {
  int64_t step = 0;              // 1-based: the model turn that made the call.
  std::string command;           // The command (run_command's argument).
  std::optional<int> exit_code;  // nullopt: the recording kept none.
};

// A recorded run, as the model replies to play back and what the run recorded around
// them. Plain value.
struct Trajectory {
  TrajectoryFormat format = TrajectoryFormat::kMacrohardSession;
  std::string source;                     // The SPEC it was loaded from.
  std::vector<llm::ModelResponse> turns;  // In order; one per model call.
  std::string task;                       // The recorded task, when known.
  std::string cwd;  // The recorded working directory (e.g. /testbed); empty: none.
  // The recorded final diff (mini-swe-agent's info.submission); empty when none.
  std::string submission;
  // Macrohard sessions recorded by solve: where the recorded diff can be computed.
  std::string recorded_repo;
  std::string recorded_base;
  std::string recorded_commit;
  SubmissionScope scope = SubmissionScope::kWholeTree;
  // The run_command calls the replay makes, by call id, with their recorded exit codes.
  std::map<std::string, RecordedCall> calls;
};

// The exit code in a mini-swe-agent observation: `<returncode>N</returncode>` (v1 and
// most configurations), `"returncode": N` (the JSON observation template) or a last line
// `[exit code N]`; nullopt when there is none.
std::optional<int> ObservedExitCode(std::string_view observation);

// The exit code in a run_command result ("exit code N after 0.01 s" on its first line);
// nullopt when the command did not exit by itself (killed, timed out, not started).
std::optional<int> RunCommandExitCode(std::string_view result_text);

// The paths the recorded submission touches (old and new names; sorted, unique) when the
// submission is limited to them (SubmissionScope::kRecordedPaths); nullopt when the whole
// tree counts or nothing was recorded. What solve commits and compares for a replay.
std::optional<std::vector<std::string>> RecordedSubmissionPaths(const Trajectory& trajectory);

// True when `model_name` starts with "replay:".
bool IsReplayModelName(std::string_view model_name);

// Loads SPEC (a model name with or without the "replay:" prefix). Errors:
// kNotFound (no such file, store or session), kInvalidArgument (an unknown
// trajectory_format, listing the known ones; a file that is neither JSON nor JSON
// lines), kDataLoss (a malformed trajectory: says what is wrong and where).
Result<Trajectory> LoadTrajectory(std::string_view spec);

// The loaders behind LoadTrajectory, for tests and other callers. `source` names the
// input in errors.
Result<Trajectory> ParseMiniSweAgentTrajectory(const Json& root, std::string source);
Result<Trajectory> ParseSessionEvents(const std::vector<store::Event>& events, std::string source);
// Reads `session_id` from the store at `store_path` (events and session record).
Result<Trajectory> LoadSessionFromStore(const std::string& store_path,
                                        const std::string& session_id);

// The command of a bash block when `text` holds exactly one; else nullopt. A block
// opens with ```bash (optional spaces) at a line end and closes at "\n```".
std::optional<std::string> SingleBashBlock(std::string_view text);

// A replayed command that ended differently from the recording.
struct ExitCodeMismatch {
  int64_t step = 0;
  std::string call_id;
  std::string command;
  int recorded = 0;
  std::string now;  // "exit code 1", or the result's first line when it did not exit.
};

// "replay: step 3: exit code 1, recorded 0: git stash" (the command's first line, cut).
std::string DescribeMismatch(const ExitCodeMismatch& mismatch);

// A Model that answers call N with recorded turn N, whatever the request says. A
// request that already carries K assistant messages (a resumed session) starts at
// turn K. Past the last turn, OnComplete gets kFailedPrecondition "replay: the
// trajectory has no more turns (N replayed)". Usage is the recorded usage; cost 0.
// OnComplete comes on the model's own thread, never inside Complete. Thread-safe.
//
// Exit codes: each request carries the results of the calls made so far, as the model
// sees them live; each result of a recorded call with a recorded exit code is compared
// once, and a difference goes to `on_mismatch`, called inside Complete on the caller's
// thread (before the reply is queued) so that it comes in order with the steps.
class ReplayModel final : public llm::Model {
 public:
  using MismatchCallback = std::function<void(const ExitCodeMismatch&)>;
  explicit ReplayModel(Trajectory trajectory, MismatchCallback on_mismatch = {});
  ~ReplayModel() override;  // Pending calls end with kCancelled.

  ReplayModel(const ReplayModel&) = delete;
  ReplayModel& operator=(const ReplayModel&) = delete;

  const std::string& name() const override { return name_; }
  llm::CallId Complete(llm::ModelRequest request,
                       std::unique_ptr<llm::CompletionObserver> observer) override;
  void Cancel(llm::CallId id) override;

  // How many recorded turns have been handed out.
  size_t replayed() const;
  // How many results were compared with a recorded exit code, and those that differed.
  size_t compared() const;
  std::vector<ExitCodeMismatch> mismatches() const;

 private:
  struct Pending {
    llm::CallId id;
    Result<llm::ModelResponse> reply;
    std::unique_ptr<llm::CompletionObserver> observer;
  };
  void Deliver(std::stop_token stop);
  // The new mismatches in `request`'s tool results; marks them compared.
  std::vector<ExitCodeMismatch> CheckResults(const llm::ModelRequest& request);

  std::string name_;
  std::vector<llm::ModelResponse> turns_;
  std::map<std::string, RecordedCall> calls_;
  MismatchCallback on_mismatch_;
  std::set<std::string> compared_;            // Guarded by mutex_.
  std::vector<ExitCodeMismatch> mismatches_;  // Guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable_any ready_;
  size_t next_ = 0;                  // Guarded by mutex_.
  llm::CallId next_id_ = 1;          // Guarded by mutex_.
  std::deque<Pending> queue_;        // Guarded by mutex_.
  std::set<llm::CallId> cancelled_;  // Guarded by mutex_.
  std::jthread thread_;              // Last: started after the state above exists.
};

std::unique_ptr<llm::Model> MakeReplayModel(Trajectory trajectory);

// The files a unified diff touches, with added and removed line counts.
struct FileStat {
  std::string path;
  int64_t added = 0;
  int64_t removed = 0;
  friend bool operator==(const FileStat&, const FileStat&) = default;
};
std::vector<FileStat> DiffStat(std::string_view diff);

// One file's part of a unified diff: from its "diff --git" line (or its "---" line in a
// patch without git headers) to the next file's.
struct FilePatch {
  std::string path;
  std::string text;
};
std::vector<FilePatch> SplitPatch(std::string_view diff);

// A unified diff (3 lines of context, hunks with "@@ -a,b +c,d @@" headers) from `before`
// to `after`, line by line; at most `max_lines` lines, then "... N more lines". Empty when
// they are equal.
std::string LineDiff(std::string_view before, std::string_view after, size_t max_lines);

struct DiffComparison {
  bool identical = false;
  // One line verdict; when they differ, a short diffstat of both, then per differing file
  // the hunks of a diff from the recorded file patch to the produced one (bounded).
  std::string report;
};

// Compares two diffs as text, ignoring `index` lines and, when either side has no git
// headers, `diff --git` lines too; trailing blank space ignored.
DiffComparison CompareDiffs(std::string_view recorded, std::string_view produced);

// Compares the diff `base`..`head` of `repo` with the trajectory's recorded one (its
// submission, or for a Macrohard session the diff of its recorded commit). With
// SubmissionScope::kRecordedPaths only the recorded submission's paths are compared, and
// the report lists the changed files left out. Errors: kNotFound when the trajectory
// recorded no diff; git's failure as kInternal.
Result<DiffComparison> CompareWithRecorded(sandbox::ProcessRunner& runner, const std::string& repo,
                                           const std::string& base, const std::string& head,
                                           const Trajectory& trajectory);

// CompareWithRecorded's report, or a line saying why there is none: what solve prints.
std::string ReplayReport(sandbox::ProcessRunner& runner, const std::string& repo,
                         const std::string& base, const std::string& head,
                         const Trajectory& trajectory);

// The exit codes' part of the verdict: "replay: every command exited as recorded (N
// compared)" or "replay: K of N commands exited differently from the recording (steps
// 3, 7)"; "replay: no recorded exit codes to compare" when none were compared.
std::string ExitCodeSummary(size_t compared, const std::vector<ExitCodeMismatch>& mismatches);

}  // namespace mh::agent
