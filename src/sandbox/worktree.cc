#include "sandbox/worktree.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;

// Settings that make git ignore anything the agent could have planted.
const std::vector<std::string> kSafeConfig = {
    "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
    "-c", "commit.gpgsign=false",     "-c", "core.autocrlf=false",
};

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.size() > 200) return false;
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string AbsolutePath(const std::string& base, const std::string& path) {
  fs::path p(path);
  return (p.is_absolute() ? p : fs::path(base) / p).lexically_normal().string();
}

// Runs git in `cwd` with only the environment below (see the header).
Result<ProcessResult> RunGit(ProcessRunner& runner, const std::string& home, const std::string& cwd,
                             const std::vector<std::string>& args,
                             const std::vector<std::string>& extra_env) {
  ProcessSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), kSafeConfig.begin(), kSafeConfig.end());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
              "HOME=" + home,
              "GIT_CONFIG_NOSYSTEM=1",
              "GIT_CONFIG_GLOBAL=/dev/null",
              "GIT_TERMINAL_PROMPT=0",
              "LANG=C",
              "LC_ALL=C"};
  spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
  spec.cwd = cwd;
  spec.time_limit = std::chrono::minutes(5);
  spec.output_head_bytes = 64 << 20;  // Diffs are the product: keep them whole.
  spec.output_tail_bytes = 0;
  return runner.Run(spec);
}

Status GitFailure(const std::string& command, const ProcessResult& result) {
  return InternalError("git " + command + " failed (exit " + std::to_string(result.exit_code) +
                       "): " + Trim(result.stderr_text.substr(0, 2000)));
}

// A private, empty HOME for git, removed on destruction.
class PrivateHome {
 public:
  PrivateHome() {
    std::error_code ec;
    std::string path = (fs::temp_directory_path(ec) / "mh-git-home-XXXXXX").string();
    if (mkdtemp(path.data()) != nullptr) path_ = path;
  }
  ~PrivateHome() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  PrivateHome(const PrivateHome&) = delete;
  PrivateHome& operator=(const PrivateHome&) = delete;
  // Empty when it could not be made.
  const std::string& path() const { return path_; }
  std::string Release() { return std::exchange(path_, std::string()); }

 private:
  std::string path_;
};

std::vector<std::string> IdentityEnv(const GitIdentity& who) {
  return {"GIT_AUTHOR_NAME=" + who.name, "GIT_AUTHOR_EMAIL=" + who.email,
          "GIT_COMMITTER_NAME=" + who.name, "GIT_COMMITTER_EMAIL=" + who.email};
}

// The identity for reflog entries of ref updates the system makes itself.
const GitIdentity kSystemIdentity{"Macrohard", "macrohard@localhost"};

// A relative path that stays inside the repository and out of its git directory.
bool ValidRepoPath(const std::string& path) {
  fs::path p(path);
  if (path.empty() || p.is_absolute()) return false;
  for (const fs::path& part : p) {
    if (part == ".." || part == ".git") return false;
  }
  return true;
}

Status WriteRepoFile(const std::string& root, const std::string& relative,
                     const std::string& content) {
  fs::path target = fs::path(root) / relative;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return InternalError("cannot create " + target.parent_path().string());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return InternalError("cannot write " + target.string());
  return Status::Ok();
}

// Splits `text` at NUL bytes, dropping empty pieces.
std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// True when a line of the regular file at `path` starts with a conflict marker.
bool HasConflictMarkers(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) return false;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("<<<<<<<", 0) == 0 || line.rfind(">>>>>>>", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<WorktreeManager>> WorktreeManager::Create(ProcessRunner& runner,
                                                                 const std::string& repo,
                                                                 const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(repo, ec)) return NotFoundError("no repository at " + repo);
  fs::create_directories(root, ec);
  if (ec) return InternalError("cannot create " + root + ": " + ec.message());
  PrivateHome home;
  if (home.path().empty()) return InternalError("cannot create a private HOME for git");
  std::unique_ptr<WorktreeManager> manager(
      new WorktreeManager(runner, fs::absolute(repo).lexically_normal().string(),
                          fs::absolute(root).lexically_normal().string(), home.Release()));
  Result<ProcessResult> check =
      manager->GitAllowFailure({"-C", manager->repo_, "rev-parse", "--git-common-dir"});
  if (!check.ok()) return check.status();
  if (!check->ok()) return NotFoundError("not a git repository: " + repo);
  return manager;
}

WorktreeManager::~WorktreeManager() {
  std::error_code ignored;
  fs::remove_all(home_, ignored);
}

Result<ProcessResult> WorktreeManager::GitAllowFailure(const std::vector<std::string>& args,
                                                       const std::vector<std::string>& extra_env) {
  return RunGit(runner_, home_, repo_, args, extra_env);
}

Result<ProcessResult> WorktreeManager::Git(const std::vector<std::string>& args,
                                           const std::vector<std::string>& extra_env) {
  ASSIGN_OR_RETURN(ProcessResult result, GitAllowFailure(args, extra_env));
  if (!result.ok()) {
    std::string command;
    for (size_t i = 0; i < args.size() && command.empty(); ++i) {
      if (args[i] == "-C") {
        ++i;
      } else if (args[i].rfind("-", 0) != 0) {
        command = args[i];
      }
    }
    return GitFailure(command, result);
  }
  return result;
}

std::vector<std::string> WorktreeManager::InWorktree(const Worktree& worktree) const {
  return {"--git-dir=" + worktree.git_dir, "--work-tree=" + worktree.path};
}

Result<Worktree> WorktreeManager::Add(const std::string& name, const std::string& branch,
                                      const std::string& base) {
  if (!ValidName(name)) return InvalidArgumentError("bad worktree name: '" + name + "'");
  ASSIGN_OR_RETURN(ProcessResult ref_check,
                   GitAllowFailure({"check-ref-format", "--branch", branch}));
  if (!ref_check.ok()) return InvalidArgumentError("bad branch name: '" + branch + "'");
  ASSIGN_OR_RETURN(ProcessResult base_sha,
                   GitAllowFailure({"rev-parse", "--verify", "--quiet", base + "^{commit}"}));
  if (!base_sha.ok()) return NotFoundError("unknown base commit: " + base);
  ASSIGN_OR_RETURN(ProcessResult exists,
                   GitAllowFailure({"rev-parse", "--verify", "--quiet", "refs/heads/" + branch}));
  if (exists.ok()) return AlreadyExistsError("branch already exists: " + branch);
  Worktree worktree;
  worktree.name = name;
  worktree.path = root_ + "/" + name;
  worktree.branch = branch;
  worktree.base_commit = Trim(base_sha.stdout_text);
  std::error_code ec;
  if (fs::exists(worktree.path, ec)) return AlreadyExistsError("already exists: " + worktree.path);

  RETURN_IF_ERROR(
      Git({"worktree", "add", "--quiet", "-b", branch, worktree.path, worktree.base_commit}));
  RETURN_IF_ERROR(ReadGitDirs(&worktree));
  return worktree;
}

Status WorktreeManager::ReadGitDirs(Worktree* worktree) {
  // Read once, now, while the worktree's .git file is still ours.
  ASSIGN_OR_RETURN(ProcessResult dirs,
                   Git({"-C", worktree->path, "rev-parse", "--git-dir", "--git-common-dir"}));
  std::string lines = dirs.stdout_text;
  size_t newline = lines.find('\n');
  worktree->git_dir = AbsolutePath(worktree->path, lines.substr(0, newline));
  worktree->common_dir = AbsolutePath(worktree->path, Trim(lines.substr(newline + 1)));
  return Status::Ok();
}

Result<CommitOutcome> WorktreeManager::CommitAll(const Worktree& worktree,
                                                 const std::string& message,
                                                 const GitIdentity& author) {
  if (author.name.empty() || author.email.empty()) {
    return InvalidArgumentError("a commit needs an author name and email");
  }
  std::vector<std::string> where = InWorktree(worktree);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), where.begin(), where.end());
    return args;
  };
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  RETURN_IF_ERROR(Git(with({"add", "-A", "--", "."})));
  ASSIGN_OR_RETURN(ProcessResult staged, GitAllowFailure(with({"diff", "--cached", "--quiet"})));
  CommitOutcome outcome;
  if (staged.exit_code == 0 && !merging) {
    ASSIGN_OR_RETURN(ProcessResult head, Git(with({"rev-parse", "HEAD"})));
    outcome.commit = Trim(head.stdout_text);
    return outcome;
  }
  RETURN_IF_ERROR(
      Git(with({"commit", "--quiet", "--no-verify", "-m", message}), IdentityEnv(author)));
  ASSIGN_OR_RETURN(ProcessResult head, Git(with({"rev-parse", "HEAD"})));
  outcome.committed = true;
  outcome.commit = Trim(head.stdout_text);
  return outcome;
}

Result<std::string> WorktreeManager::Diff(const Worktree& worktree) {
  ASSIGN_OR_RETURN(ProcessResult diff, Git({"diff", "--binary", worktree.base_commit,
                                            "refs/heads/" + worktree.branch}));
  if (diff.stdout_truncated) {
    return ResourceExhaustedError("diff of " + worktree.branch + " is larger than 64 MiB");
  }
  return diff.stdout_text;
}

Status WorktreeManager::Remove(const Worktree& worktree) {
  std::error_code ec;
  if (fs::exists(worktree.path, ec)) {
    Result<ProcessResult> removed =
        Git({"worktree", "remove", "--force", "--force", worktree.path});
    // git refuses when the agent broke the worktree's .git file: delete it ourselves
    // (remove_all does not follow symlinks) and let prune drop the git directory.
    if (!removed.ok()) fs::remove_all(worktree.path, ec);
    if (ec) return InternalError("cannot remove " + worktree.path + ": " + ec.message());
  }
  return Git({"worktree", "prune"}).status();
}

Result<std::string> WorktreeManager::InitRepository(
    ProcessRunner& runner, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& files, const std::string& message,
    const GitIdentity& author) {
  if (author.name.empty() || author.email.empty()) {
    return InvalidArgumentError("a commit needs an author name and email");
  }
  for (const auto& [relative, content] : files) {
    if (!ValidRepoPath(relative)) return InvalidArgumentError("bad file path: '" + relative + "'");
  }
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (fs::exists(fs::path(path) / ".git", ec) || fs::exists(fs::path(path) / "HEAD", ec)) {
      return AlreadyExistsError("a repository exists at " + path);
    }
    if (!fs::is_directory(path, ec) || !fs::is_empty(path, ec)) {
      return FailedPreconditionError("not an empty directory: " + path);
    }
  }
  fs::create_directories(path, ec);
  if (ec) return InternalError("cannot create " + path + ": " + ec.message());
  PrivateHome home;
  if (home.path().empty()) return InternalError("cannot create a private HOME for git");
  auto git = [&](const std::vector<std::string>& args,
                 const std::vector<std::string>& env) -> Result<ProcessResult> {
    ASSIGN_OR_RETURN(ProcessResult result, RunGit(runner, home.path(), path, args, env));
    if (!result.ok()) return GitFailure(args.front(), result);
    return result;
  };
  RETURN_IF_ERROR(git({"init", "--quiet", "--initial-branch=main", "."}, {}));
  for (const auto& [relative, content] : files) {
    RETURN_IF_ERROR(WriteRepoFile(path, relative, content));
  }
  RETURN_IF_ERROR(git({"add", "-A", "--", "."}, {}));
  RETURN_IF_ERROR(git({"commit", "--quiet", "--no-verify", "--allow-empty", "-m", message},
                      IdentityEnv(author)));
  ASSIGN_OR_RETURN(ProcessResult head, git({"rev-parse", "HEAD"}, {}));
  return Trim(head.stdout_text);
}

Result<std::string> WorktreeManager::ResolveCommit(const std::string& rev) {
  if (rev.empty() || rev[0] == '-') return NotFoundError("no commit named '" + rev + "'");
  ASSIGN_OR_RETURN(ProcessResult sha,
                   GitAllowFailure({"rev-parse", "--verify", "--quiet", rev + "^{commit}"}));
  if (!sha.ok()) return NotFoundError("no commit named '" + rev + "'");
  return Trim(sha.stdout_text);
}

Result<Worktree> WorktreeManager::Open(const std::string& name, const std::string& branch) {
  if (!ValidName(name)) return InvalidArgumentError("bad worktree name: '" + name + "'");
  ASSIGN_OR_RETURN(ProcessResult ref_check,
                   GitAllowFailure({"check-ref-format", "--branch", branch}));
  if (!ref_check.ok()) return InvalidArgumentError("bad branch name: '" + branch + "'");
  Result<std::string> head = ResolveCommit("refs/heads/" + branch);
  if (!head.ok()) return NotFoundError("no branch " + branch);
  Worktree worktree;
  worktree.name = name;
  worktree.path = root_ + "/" + name;
  worktree.branch = branch;
  std::error_code ec;
  if (fs::exists(worktree.path, ec)) return AlreadyExistsError("already exists: " + worktree.path);
  ASSIGN_OR_RETURN(ProcessResult base, GitAllowFailure({"merge-base", "HEAD", *head}));
  worktree.base_commit = base.ok() ? Trim(base.stdout_text) : *head;
  // A worktree deleted without `git worktree remove` still claims the branch.
  RETURN_IF_ERROR(Git({"worktree", "prune"}));
  RETURN_IF_ERROR(Git({"worktree", "add", "--quiet", worktree.path, branch}));
  RETURN_IF_ERROR(ReadGitDirs(&worktree));
  return worktree;
}

Result<MergeOutcome> WorktreeManager::MergeInto(const Worktree& worktree, const std::string& rev,
                                                const GitIdentity& author) {
  if (author.name.empty() || author.email.empty()) {
    return InvalidArgumentError("a merge needs an author name and email");
  }
  ASSIGN_OR_RETURN(std::string commit, ResolveCommit(rev));
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  if (merging) return FailedPreconditionError("a merge is already in progress in " + worktree.name);
  std::vector<std::string> args = InWorktree(worktree);
  // The message names `rev` as given ("Merge branch 'main'"), not the hash.
  std::string message = "Merge " + rev + " into " + worktree.branch;
  args.insert(args.end(), {"-c", "rerere.enabled=false", "merge", "--no-edit", "--no-verify",
                           "--no-autostash", "--ff", "-m", message, commit});
  ASSIGN_OR_RETURN(ProcessResult merged, GitAllowFailure(args, IdentityEnv(author)));
  MergeOutcome outcome;
  ASSIGN_OR_RETURN(outcome.commit, ResolveCommit("refs/heads/" + worktree.branch));
  if (merged.ok()) {
    outcome.clean = true;
    return outcome;
  }
  ASSIGN_OR_RETURN(merging, MergeInProgress(worktree));
  if (!merging) return GitFailure("merge", merged);  // Refused before starting.
  ASSIGN_OR_RETURN(outcome.conflicts, ConflictedPaths(worktree));
  return outcome;
}

Result<bool> WorktreeManager::MergeInProgress(const Worktree& worktree) {
  std::vector<std::string> args = InWorktree(worktree);
  args.insert(args.end(), {"rev-parse", "--verify", "--quiet", "MERGE_HEAD"});
  ASSIGN_OR_RETURN(ProcessResult head, GitAllowFailure(args));
  return head.ok();
}

Status WorktreeManager::AbortMerge(const Worktree& worktree) {
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  if (!merging) return Status::Ok();
  std::vector<std::string> args = InWorktree(worktree);
  args.insert(args.end(), {"merge", "--abort"});
  return Git(args).status();
}

Result<std::vector<std::string>> WorktreeManager::ConflictedPaths(const Worktree& worktree) {
  std::set<std::string> paths;
  std::vector<std::string> args = InWorktree(worktree);
  args.insert(args.end(), {"diff", "--name-only", "--diff-filter=U", "-z"});
  ASSIGN_OR_RETURN(ProcessResult unmerged, Git(args));
  for (std::string& path : SplitNul(unmerged.stdout_text)) paths.insert(std::move(path));
  // Once the files are staged (CommitAll does `add -A`) the index forgets the conflict;
  // the merge message git wrote still lists the paths as "#\t<path>" lines.
  std::ifstream in(fs::path(worktree.git_dir) / "MERGE_MSG", std::ios::binary);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line == "# Conflicts:") {
      in_list = true;
    } else if (in_list && line.rfind("#\t", 0) == 0) {
      paths.insert(line.substr(2));
    } else if (in_list && line != "#") {
      in_list = false;
    }
  }
  return std::vector<std::string>(paths.begin(), paths.end());
}

Result<std::vector<std::string>> WorktreeManager::FilesWithConflictMarkers(
    const Worktree& worktree) {
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  std::vector<std::string> marked;
  if (!merging) return marked;
  ASSIGN_OR_RETURN(std::vector<std::string> conflicted, ConflictedPaths(worktree));
  for (const std::string& path : conflicted) {
    if (ValidRepoPath(path) && HasConflictMarkers(fs::path(worktree.path) / path)) {
      marked.push_back(path);
    }
  }
  return marked;
}

Status WorktreeManager::FastForward(const std::string& target, const std::string& commit) {
  std::string ref = "refs/heads/" + target;
  ASSIGN_OR_RETURN(std::string old_head, ResolveCommit(ref));
  ASSIGN_OR_RETURN(std::string new_head, ResolveCommit(commit));
  // Both are hashes now: ask merge-base directly (IsAncestor would resolve them again).
  auto is_ancestor = [&](const std::string& a, const std::string& b) -> Result<bool> {
    ASSIGN_OR_RETURN(ProcessResult check, GitAllowFailure({"merge-base", "--is-ancestor", a, b}));
    if (check.exit_code > 1 || check.exit_code < 0) return GitFailure("merge-base", check);
    return check.exit_code == 0;
  };
  ASSIGN_OR_RETURN(bool contained, is_ancestor(new_head, old_head));
  if (contained) return Status::Ok();
  ASSIGN_OR_RETURN(bool forward, is_ancestor(old_head, new_head));
  if (!forward) {
    return FailedPreconditionError(commit + " is not a fast-forward of " + target);
  }
  std::vector<std::string> identity = IdentityEnv(kSystemIdentity);
  ASSIGN_OR_RETURN(ProcessResult bare, Git({"rev-parse", "--is-bare-repository"}));
  ASSIGN_OR_RETURN(ProcessResult checked_out, GitAllowFailure({"symbolic-ref", "-q", "HEAD"}));
  if (Trim(bare.stdout_text) == "false" && Trim(checked_out.stdout_text) == ref) {
    return Git({"merge", "--ff-only", "--quiet", "--no-verify", new_head}, identity).status();
  }
  // Compare-and-swap: fails if someone moved the branch since we looked.
  return Git({"update-ref", "-m", "fast-forward", ref, new_head, old_head}, identity).status();
}

Status WorktreeManager::Tag(const std::string& name, const std::string& commit,
                            const std::string& message, const GitIdentity& tagger) {
  if (tagger.name.empty() || tagger.email.empty()) {
    return InvalidArgumentError("a tag needs a tagger name and email");
  }
  ASSIGN_OR_RETURN(ProcessResult format,
                   GitAllowFailure({"check-ref-format", "refs/tags/" + name}));
  if (name.empty() || name[0] == '-' || !format.ok()) {
    return InvalidArgumentError("bad tag name: '" + name + "'");
  }
  ASSIGN_OR_RETURN(std::string target, ResolveCommit(commit));
  Result<std::string> existing = ResolveCommit("refs/tags/" + name);
  if (existing.ok()) {
    if (*existing == target) return Status::Ok();
    return AlreadyExistsError("tag " + name + " already names " + *existing);
  }
  return Git({"tag", "--annotate", "--no-sign", "-m", message, name, target}, IdentityEnv(tagger))
      .status();
}

Result<std::vector<std::string>> WorktreeManager::Tags() {
  ASSIGN_OR_RETURN(ProcessResult tags, Git({"tag", "--list", "--sort=v:refname"}));
  std::vector<std::string> names;
  size_t start = 0;
  const std::string& text = tags.stdout_text;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) names.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

Result<bool> WorktreeManager::IsAncestor(const std::string& ancestor,
                                         const std::string& descendant) {
  ASSIGN_OR_RETURN(std::string older, ResolveCommit(ancestor));
  ASSIGN_OR_RETURN(std::string newer, ResolveCommit(descendant));
  ASSIGN_OR_RETURN(ProcessResult check,
                   GitAllowFailure({"merge-base", "--is-ancestor", older, newer}));
  if (check.exit_code == 0) return true;
  if (check.exit_code == 1) return false;
  return GitFailure("merge-base", check);
}

Result<std::string> WorktreeManager::DiffAgainst(const Worktree& worktree, const std::string& base,
                                                 size_t max_bytes) {
  ASSIGN_OR_RETURN(std::string base_commit, ResolveCommit(base));
  ASSIGN_OR_RETURN(std::string head, ResolveCommit("refs/heads/" + worktree.branch));
  ASSIGN_OR_RETURN(ProcessResult diff, Git({"diff", "--no-color", "--no-ext-diff", "--no-textconv",
                                            base_commit + "..." + head}));
  std::string text = std::move(diff.stdout_text);
  uint64_t total = diff.stdout_bytes;
  if (text.size() <= max_bytes && !diff.stdout_truncated) return text;
  size_t cut = text.rfind('\n', max_bytes == 0 ? 0 : max_bytes - 1);
  text.resize(cut == std::string::npos ? 0 : cut + 1);
  text += "[diff cut: showing " + std::to_string(text.size()) + " of " + std::to_string(total) +
          " bytes]\n";
  return text;
}

Result<std::vector<std::string>> WorktreeManager::Log(const std::string& since,
                                                      const std::string& rev) {
  ASSIGN_OR_RETURN(std::string head, ResolveCommit(rev));
  std::string range = head;
  if (!since.empty()) {
    ASSIGN_OR_RETURN(std::string start, ResolveCommit(since));
    range = start + ".." + head;
  }
  ASSIGN_OR_RETURN(ProcessResult log,
                   Git({"log", "--reverse", "--no-show-signature", "-z", "--format=%s", range}));
  std::vector<std::string> subjects;
  const std::string& text = log.stdout_text;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    subjects.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return subjects;
}

}  // namespace mh::sandbox
