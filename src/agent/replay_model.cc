// ReplayModel (recorded replies as a Model) and the comparison of a replay's diff with
// the recorded one.
#include <algorithm>
#include <cstdio>
#include <map>

#include "agent/replay.h"

namespace mh::agent {

ReplayModel::ReplayModel(Trajectory trajectory)
    : name_("replay:" + trajectory.source),
      turns_(std::move(trajectory.turns)),
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

// The path after " b/" in "diff --git a/X b/X".
std::string DiffPath(std::string_view header) {
  size_t b = header.rfind(" b/");
  return std::string(b == std::string_view::npos ? header.substr(11) : header.substr(b + 3));
}

// The diff without its "index" lines (abbreviated blob ids depend on the repository's
// size; the hunks already say whether the contents agree) and trailing blank space.
std::string Normalize(std::string_view diff) {
  std::string out;
  bool in_header = false;
  size_t pos = 0;
  while (pos < diff.size()) {
    size_t end = diff.find('\n', pos);
    std::string_view line = diff.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? diff.size() : end + 1;
    if (line.starts_with("diff --git ")) in_header = true;
    if (line.starts_with("@@")) in_header = false;
    if (in_header && line.starts_with("index ")) continue;
    out.append(line);
    out += '\n';
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string Totals(const std::vector<FileStat>& stats) {
  int64_t added = 0;
  int64_t removed = 0;
  for (const FileStat& s : stats) {
    added += s.added;
    removed += s.removed;
  }
  return std::to_string(stats.size()) + (stats.size() == 1 ? " file" : " files") + ", +" +
         std::to_string(added) + " -" + std::to_string(removed);
}

std::string Stat(const FileStat* s) {
  if (s == nullptr) return "absent";
  return "+" + std::to_string(s->added) + " -" + std::to_string(s->removed);
}

// "GIT_*" settings that make git ignore the user's and system configuration.
Result<std::string> GitDiff(sandbox::ProcessRunner& runner, const std::string& repo,
                            const std::string& from, const std::string& to) {
  sandbox::ProcessSpec spec{
      .argv = {"git", "-C", repo, "diff", "--no-color", "--no-ext-diff", from, to, "--"},
      .env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent", "GIT_CONFIG_NOSYSTEM=1",
              "GIT_CONFIG_GLOBAL=/dev/null"},
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

std::vector<FileStat> DiffStat(std::string_view diff) {
  std::vector<FileStat> stats;
  bool in_hunk = false;
  size_t pos = 0;
  while (pos < diff.size()) {
    size_t end = diff.find('\n', pos);
    std::string_view line = diff.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? diff.size() : end + 1;
    if (line.starts_with("diff --git ")) {
      stats.push_back({.path = DiffPath(line)});
      in_hunk = false;
    } else if (line.starts_with("@@")) {
      in_hunk = true;
    } else if (in_hunk && !stats.empty() && !line.empty()) {
      if (line[0] == '+') ++stats.back().added;
      if (line[0] == '-') ++stats.back().removed;
    }
  }
  return stats;
}

DiffComparison CompareDiffs(std::string_view recorded, std::string_view produced) {
  std::string a = Normalize(recorded);
  std::string b = Normalize(produced);
  std::vector<FileStat> ra = DiffStat(a);
  std::vector<FileStat> pb = DiffStat(b);
  DiffComparison c;
  if (a == b) {
    c.identical = true;
    c.report = "replay: the diff is identical to the recorded one (" + Totals(pb) + ")\n";
    return c;
  }
  c.report = "replay: the diff differs from the recorded one\n  recorded: " + Totals(ra) +
             "\n  produced: " + Totals(pb) + "\n";
  std::map<std::string, std::pair<const FileStat*, const FileStat*>> files;
  for (const FileStat& s : ra) files[s.path].first = &s;
  for (const FileStat& s : pb) files[s.path].second = &s;
  bool listed = false;
  for (const auto& [path, pair] : files) {
    if (pair.first != nullptr && pair.second != nullptr && *pair.first == *pair.second) continue;
    c.report +=
        "  " + path + ": recorded " + Stat(pair.first) + ", produced " + Stat(pair.second) + "\n";
    listed = true;
  }
  if (!listed) c.report += "  same files and line counts; the changed lines differ\n";
  return c;
}

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
  ASSIGN_OR_RETURN(std::string produced, GitDiff(runner, repo, base, head));
  return CompareDiffs(recorded, produced);
}

std::string ReplayReport(sandbox::ProcessRunner& runner, const std::string& repo,
                         const std::string& base, const std::string& head,
                         const Trajectory& trajectory) {
  Result<DiffComparison> c = CompareWithRecorded(runner, repo, base, head, trajectory);
  if (!c.ok()) return "replay: no comparison: " + c.error().message() + "\n";
  return c->report;
}

}  // namespace mh::agent
