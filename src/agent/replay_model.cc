// ReplayModel (recorded replies as a Model) and the comparison of a replay's diff with
// the recorded one.
#include <algorithm>
#include <cstdio>
#include <set>

#include "agent/replay.h"

namespace mh::agent {

ReplayModel::ReplayModel(Trajectory trajectory, MismatchCallback on_mismatch)
    : name_("replay:" + trajectory.source),
      turns_(std::move(trajectory.turns)),
      calls_(std::move(trajectory.calls)),
      on_mismatch_(std::move(on_mismatch)),
      thread_([this](std::stop_token stop) { Deliver(stop); }) {}

ReplayModel::~ReplayModel() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

llm::CallId ReplayModel::Complete(llm::ModelRequest request,
                                  std::unique_ptr<llm::CompletionObserver> observer) {
  // A resumed session asks first with the replies it already has: skip those.
  size_t answered = static_cast<size_t>(
      std::count_if(request.messages.begin(), request.messages.end(),
                    [](const llm::Message& m) { return m.role == llm::Role::kAssistant; }));
  std::vector<ExitCodeMismatch> found = CheckResults(request);
  if (on_mismatch_) {
    for (const ExitCodeMismatch& m : found) on_mismatch_(m);
  }
  std::lock_guard lock(mutex_);
  next_ = std::max(next_, answered);
  Result<llm::ModelResponse> reply =
      next_ < turns_.size() ? Result<llm::ModelResponse>(turns_[next_++])
                            : FailedPreconditionError("replay: the trajectory has no more turns (" +
                                                      std::to_string(turns_.size()) + " replayed)");
  llm::CallId id = next_id_++;
  queue_.push_back({id, std::move(reply), std::move(observer)});
  ready_.notify_one();
  return id;
}

void ReplayModel::Cancel(llm::CallId id) {
  std::lock_guard lock(mutex_);
  for (const Pending& p : queue_) {
    if (p.id == id) cancelled_.insert(id);
  }
}

size_t ReplayModel::replayed() const {
  std::lock_guard lock(mutex_);
  return next_;
}

size_t ReplayModel::compared() const {
  std::lock_guard lock(mutex_);
  return compared_.size();
}

std::vector<ExitCodeMismatch> ReplayModel::mismatches() const {
  std::lock_guard lock(mutex_);
  return mismatches_;
}

std::vector<ExitCodeMismatch> ReplayModel::CheckResults(const llm::ModelRequest& request) {
  std::vector<ExitCodeMismatch> found;
  std::lock_guard lock(mutex_);
  for (const llm::Message& m : request.messages) {
    if (m.role != llm::Role::kTool) continue;
    auto call = calls_.find(m.tool_call_id);
    if (call == calls_.end() || !call->second.exit_code) continue;
    if (!compared_.insert(m.tool_call_id).second) continue;
    std::string text = m.Text();
    std::optional<int> now = RunCommandExitCode(text);
    if (now == call->second.exit_code) continue;
    std::string first_line = text.substr(0, text.find('\n'));
    found.push_back({.step = call->second.step,
                     .call_id = m.tool_call_id,
                     .command = call->second.command,
                     .recorded = *call->second.exit_code,
                     .now = now ? "exit code " + std::to_string(*now) : first_line});
    mismatches_.push_back(found.back());
  }
  return found;
}

void ReplayModel::Deliver(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (true) {
    // Once stop is requested the queue is still drained, each call ending cancelled.
    if (!ready_.wait(lock, stop, [this] { return !queue_.empty(); })) {
      if (queue_.empty()) return;
    }
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    if (cancelled_.erase(p.id) > 0 || stop.stop_requested())
      p.reply = CancelledError("replay: the call was cancelled");
    lock.unlock();
    p.observer->OnComplete(std::move(p.reply));
    p.observer.reset();
    lock.lock();
  }
}

std::unique_ptr<llm::Model> MakeReplayModel(Trajectory trajectory) {
  return std::make_unique<ReplayModel>(std::move(trajectory));
}

namespace {

// "GIT_*" settings that make git ignore the user's and system configuration.
// `paths`: only those (literal pathspecs); nullopt: everything.
Result<std::string> GitDiff(sandbox::ProcessRunner& runner, const std::string& repo,
                            const std::string& from, const std::string& to,
                            const std::optional<std::vector<std::string>>& paths = std::nullopt) {
  std::vector<std::string> argv = {
      "git", "-C", repo, "--literal-pathspecs", "diff", "--no-color", "--no-ext-diff",
      from,  to,   "--"};
  if (paths) argv.insert(argv.end(), paths->begin(), paths->end());
  sandbox::ProcessSpec spec{.argv = std::move(argv),
                            .env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent",
                                    "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"},
                            .time_limit = std::chrono::seconds(60),
                            .output_head_bytes = 64 << 20,
                            .output_tail_bytes = 0};
  ASSIGN_OR_RETURN(sandbox::ProcessResult r, runner.Run(spec));
  if (!r.ok() || r.stdout_truncated) {
    return InternalError("git diff " + from + " " + to + " in " + repo +
                         " failed: " + r.stderr_text.substr(0, 500));
  }
  return r.stdout_text;
}

}  // namespace

Result<DiffComparison> CompareWithRecorded(sandbox::ProcessRunner& runner, const std::string& repo,
                                           const std::string& base, const std::string& head,
                                           const Trajectory& trajectory) {
  std::string recorded = trajectory.submission;
  if (recorded.empty() && !trajectory.recorded_commit.empty()) {
    ASSIGN_OR_RETURN(recorded, GitDiff(runner, trajectory.recorded_repo, trajectory.recorded_base,
                                       trajectory.recorded_commit));
  } else if (recorded.empty()) {
    return NotFoundError("replay: " + trajectory.source + " recorded no final diff to compare");
  }
  std::optional<std::vector<std::string>> paths = RecordedSubmissionPaths(trajectory);
  ASSIGN_OR_RETURN(std::string produced, GitDiff(runner, repo, base, head, paths));
  DiffComparison c = CompareDiffs(recorded, produced);
  if (!paths) return c;
  // The files the replay changed that the recorded submission leaves out, as it did.
  ASSIGN_OR_RETURN(std::string all, GitDiff(runner, repo, base, head, std::nullopt));
  std::set<std::string> named(paths->begin(), paths->end());
  std::string left_out;
  for (const FileStat& s : DiffStat(all)) {
    if (named.count(s.path) == 0) left_out += (left_out.empty() ? "" : ", ") + s.path;
  }
  if (!left_out.empty())
    c.report += "  not compared (the recorded submission leaves them out): " + left_out + "\n";
  return c;
}

std::string ReplayReport(sandbox::ProcessRunner& runner, const std::string& repo,
                         const std::string& base, const std::string& head,
                         const Trajectory& trajectory) {
  Result<DiffComparison> c = CompareWithRecorded(runner, repo, base, head, trajectory);
  if (!c.ok()) return "replay: no comparison: " + c.error().message() + "\n";
  return c->report;
}

}  // namespace mh::agent

namespace mh::agent {

std::string DescribeMismatch(const ExitCodeMismatch& m) {
  constexpr size_t kMaxCommand = 120;
  std::string command = m.command.substr(0, m.command.find('\n'));
  if (command.size() > kMaxCommand || command.size() < m.command.size())
    command = command.substr(0, kMaxCommand) + " ...";
  return "replay: step " + std::to_string(m.step) + ": " + m.now + ", recorded exit code " +
         std::to_string(m.recorded) + ": " + command;
}

std::string ExitCodeSummary(size_t compared, const std::vector<ExitCodeMismatch>& mismatches) {
  if (compared == 0) return "replay: no recorded exit codes to compare\n";
  if (mismatches.empty())
    return "replay: every command exited as recorded (" + std::to_string(compared) + " compared)\n";
  std::string steps;
  for (const ExitCodeMismatch& m : mismatches)
    steps += (steps.empty() ? "" : ", ") + std::to_string(m.step);
  return "replay: " + std::to_string(mismatches.size()) + " of " + std::to_string(compared) +
         " commands exited differently from the recording (steps " + steps + ")\n";
}

}  // namespace mh::agent
