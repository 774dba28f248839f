#include "sandbox/worktree.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "sandbox/alternates.h"
#include "sandbox/unique_fd.h"
#include "sandbox/worktree_git.h"

namespace mh::sandbox {
namespace {

using namespace worktree_git;

namespace fs = std::filesystem;

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

// The identity for reflog entries of ref updates the system makes itself.
const GitIdentity kSystemIdentity{"Macrohard", "macrohard@localhost"};

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

}  // namespace

std::string AlternatesFor(const std::string& common_dir) {
  std::error_code ec;
  fs::path objects = fs::weakly_canonical(fs::path(common_dir) / "objects", ec);
  return ec ? (fs::path(common_dir) / "objects").string() : objects.string();
}

Result<std::unique_ptr<WorktreeManager>> WorktreeManager::Create(ProcessRunner& runner,
                                                                 const std::string& repo,
                                                                 const std::string& root,
                                                                 WorkspaceOptions options) {
  std::error_code ec;
  if (!fs::is_directory(repo, ec)) return NotFoundError("no repository at " + repo);
  fs::create_directories(root, ec);
  if (ec) return InternalError("cannot create " + root + ": " + ec.message());
  PrivateHome home;
  if (home.path().empty()) return InternalError("cannot create a private HOME for git");
  std::unique_ptr<WorktreeManager> manager(new WorktreeManager(
      runner, fs::absolute(repo).lexically_normal().string(),
      fs::absolute(root).lexically_normal().string(), home.Release(), std::move(options)));
  Result<ProcessResult> check =
      manager->GitAllowFailure({"-C", manager->repo_, "rev-parse", "--git-common-dir"});
  if (!check.ok()) return check.status();
  if (!check->ok()) return NotFoundError("not a git repository: " + repo);
  manager->common_dir_ = AbsolutePath(manager->repo_, Trim(check->stdout_text));
  ASSIGN_OR_RETURN(manager->disks_, WorkspaceDisks::Create(runner, manager->root_,
                                                           manager->options_.disk_quota_bytes));
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
  Worktree worktree = Describe(name, branch, Trim(base_sha.stdout_text));
  std::error_code ec;
  if (fs::exists(worktree.path, ec)) return AlreadyExistsError("already exists: " + worktree.path);
  if (disks_->HasImage(name)) return AlreadyExistsError("a disk exists for " + worktree.path);
  RETURN_IF_ERROR(Git({"branch", "--no-track", branch, worktree.base_commit}));
  // The disk first, so that the whole clone lives inside the quota.
  Status cloned = disks_->Attach(name, worktree.path);
  if (cloned.ok()) cloned = Clone(worktree, worktree.base_commit);
  if (!cloned.ok()) {
    // Leave nothing half made: the branch, the disk and the directory go again.
    (void)GitAllowFailure({"branch", "-D", branch});
    (void)disks_->Detach(name, worktree.path);
    fs::remove_all(worktree.path, ec);
  }
  RETURN_IF_ERROR(cloned);
  return worktree;
}

Worktree WorktreeManager::Describe(const std::string& name, const std::string& branch,
                                   const std::string& base) const {
  Worktree worktree;
  worktree.name = name;
  worktree.path = root_ + "/" + name;
  worktree.branch = branch;
  worktree.base_commit = base;
  worktree.git_dir = worktree.path + "/.git";
  worktree.common_dir = common_dir_;
  return worktree;
}

// Made on the host, before the agent has touched anything: the new repository is ours.
Status WorktreeManager::Clone(const Worktree& worktree, const std::string& commit) {
  RETURN_IF_ERROR(
      Git({"clone", "--quiet", "--shared", "--no-checkout", "--", repo_, worktree.path}));
  auto in_clone = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-C", worktree.path});
    return Git(args).status();
  };
  RETURN_IF_ERROR(in_clone({"checkout", "--quiet", "-b", worktree.branch, commit}));
  // The agent's own commits carry a name; the system's carry the author it is given.
  RETURN_IF_ERROR(in_clone({"config", "user.name", "Macrohard agent"}));
  RETURN_IF_ERROR(in_clone({"config", "user.email", "agent@macrohard.localhost"}));
  std::string excludes = std::string(kDefaultExcludes) + options_.extra_excludes;
  return WriteRepoFile(worktree.git_dir, "info/exclude", excludes);
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
  RETURN_IF_ERROR(disks_->Detach(worktree.name, worktree.path));
  std::error_code ec;
  // remove_all does not follow the symlinks an agent may have left.
  fs::remove_all(worktree.path, ec);
  if (ec) return InternalError("cannot remove " + worktree.path + ": " + ec.message());
  return Status::Ok();
}

Status WorktreeManager::Discard(const Worktree& worktree) {
  RETURN_IF_ERROR(Remove(worktree));
  Result<std::string> head = ResolveCommit("refs/heads/" + worktree.branch);
  if (!head.ok() || *head != worktree.base_commit) return Status::Ok();
  return Git({"update-ref", "-d", "refs/heads/" + worktree.branch, *head}).status();
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
  ASSIGN_OR_RETURN(ProcessResult base, GitAllowFailure({"merge-base", "HEAD", *head}));
  Worktree worktree = Describe(name, branch, base.ok() ? Trim(base.stdout_text) : *head);
  std::error_code ec;
  if (disks_->HasImage(name)) {
    // Its disk survived a crash or a reboot: mounted again, the workspace on it is kept.
    RETURN_IF_ERROR(disks_->Attach(name, worktree.path));
    if (fs::exists(worktree.git_dir, ec)) return worktree;
  } else if (fs::exists(worktree.path, ec)) {
    return AlreadyExistsError("already exists: " + worktree.path);
  }
  Status cloned = disks_->Attach(name, worktree.path);
  if (cloned.ok()) cloned = Clone(worktree, *head);
  if (!cloned.ok()) {
    (void)disks_->Detach(name, worktree.path);
    fs::remove_all(worktree.path, ec);
  }
  RETURN_IF_ERROR(cloned);
  return worktree;
}

Status WorktreeManager::Remount(const std::string& name) {
  if (!ValidName(name)) return InvalidArgumentError("bad worktree name: '" + name + "'");
  RETURN_IF_ERROR(disks_->Remount(name, root_ + "/" + name));
  // git clone --shared names the repository's objects by absolute path (the sandbox shows
  // them read-only at that path, wherever it mounts the workspace). A company folder that
  // was moved or copied since holds workspaces naming the old place: they borrow from
  // this repository again, never from the one they were copied from.
  // The workspace's .git is the agent's: no component may be a symlink out of it.
  UniqueFd dir(open((root_ + "/" + name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (const char* part : {".git", "objects", "info"}) {
    if (!dir.valid()) return Status::Ok();  // Not a clone (yet): nothing to point.
    dir = UniqueFd(openat(dir.get(), part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!dir.valid()) return Status::Ok();
  UniqueFd file(openat(dir.get(), "alternates", O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!file.valid()) return Status::Ok();
  std::string wanted = AlternatesFor(common_dir_) + "\n";
  char have[4096];
  ssize_t n = pread(file.get(), have, sizeof have, 0);
  if (n >= 0 && std::string_view(have, static_cast<size_t>(n)) == wanted) return Status::Ok();
  if (ftruncate(file.get(), 0) != 0 ||
      pwrite(file.get(), wanted.data(), wanted.size(), 0) != static_cast<ssize_t>(wanted.size())) {
    return InternalError("cannot point workspace " + name + " at " + common_dir_ + ": " +
                         std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::optional<std::string>> WorktreeManager::FileAt(const std::string& commit,
                                                           const std::string& path) {
  ASSIGN_OR_RETURN(std::string hash, ResolveCommit(commit));
  if (!ValidRepoPath(path)) return std::optional<std::string>();
  ASSIGN_OR_RETURN(ProcessResult blob, GitAllowFailure({"cat-file", "blob", hash + ":" + path}));
  if (!blob.ok()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(blob.stdout_text));
}

Result<std::vector<std::string>> WorktreeManager::ChangedFiles(const std::string& from,
                                                               const std::string& to) {
  ASSIGN_OR_RETURN(std::string older, ResolveCommit(from));
  ASSIGN_OR_RETURN(std::string newer, ResolveCommit(to));
  ASSIGN_OR_RETURN(ProcessResult diff,
                   Git({"diff", "--name-status", "--no-renames", "-z", older, newer}));
  std::vector<std::string> parts = SplitNul(diff.stdout_text);
  std::vector<std::string> changed;
  for (size_t i = 0; i + 1 < parts.size(); i += 2)
    changed.push_back(parts[i] + "\t" + parts[i + 1]);
  return changed;
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
