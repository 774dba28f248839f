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
// Mapping (the recorded observations are never used: the real tools run):
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
};

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

// A Model that answers call N with recorded turn N, whatever the request says. A
// request that already carries K assistant messages (a resumed session) starts at
// turn K. Past the last turn, OnComplete gets kFailedPrecondition "replay: the
// trajectory has no more turns (N replayed)". Usage is the recorded usage; cost 0.
// OnComplete comes on the model's own thread, never inside Complete. Thread-safe.
class ReplayModel final : public llm::Model {
 public:
  explicit ReplayModel(Trajectory trajectory);
  ~ReplayModel() override;  // Pending calls end with kCancelled.

  ReplayModel(const ReplayModel&) = delete;
  ReplayModel& operator=(const ReplayModel&) = delete;

  const std::string& name() const override { return name_; }
  llm::CallId Complete(llm::ModelRequest request,
                       std::unique_ptr<llm::CompletionObserver> observer) override;
  void Cancel(llm::CallId id) override;

  // How many recorded turns have been handed out.
  size_t replayed() const;

 private:
  struct Pending {
    llm::CallId id;
    Result<llm::ModelResponse> reply;
    std::unique_ptr<llm::CompletionObserver> observer;
  };
  void Deliver(std::stop_token stop);

  std::string name_;
  std::vector<llm::ModelResponse> turns_;
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

struct DiffComparison {
  bool identical = false;
  std::string report;  // One line verdict, then a short diffstat of both when they differ.
};

// Compares two diffs as text (trailing blank lines ignored).
DiffComparison CompareDiffs(std::string_view recorded, std::string_view produced);

// Compares the diff `base`..`head` of `repo` with the trajectory's recorded one (its
// submission, or for a Macrohard session the diff of its recorded commit). Errors:
// kNotFound when the trajectory recorded no diff; git's failure as kInternal.
Result<DiffComparison> CompareWithRecorded(sandbox::ProcessRunner& runner, const std::string& repo,
                                           const std::string& base, const std::string& head,
                                           const Trajectory& trajectory);

// CompareWithRecorded's report, or a line saying why there is none: what solve prints.
std::string ReplayReport(sandbox::ProcessRunner& runner, const std::string& repo,
                         const std::string& base, const std::string& head,
                         const Trajectory& trajectory);

}  // namespace mh::agent
