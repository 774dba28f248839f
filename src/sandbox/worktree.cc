#include "sandbox/worktree.h"

#include <stdlib.h>

#include <filesystem>

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

}  // namespace

Result<std::unique_ptr<WorktreeManager>> WorktreeManager::Create(ProcessRunner& runner,
                                                                 const std::string& repo,
                                                                 const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(repo, ec)) return NotFoundError("no repository at " + repo);
  fs::create_directories(root, ec);
  if (ec) return InternalError("cannot create " + root + ": " + ec.message());
  std::string home_template = (fs::temp_directory_path(ec) / "mh-git-home-XXXXXX").string();
  if (mkdtemp(home_template.data()) == nullptr) {
    return InternalError("cannot create a private HOME for git");
  }
  std::unique_ptr<WorktreeManager> manager(
      new WorktreeManager(runner, fs::absolute(repo).lexically_normal().string(),
                          fs::absolute(root).lexically_normal().string(), home_template));
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
  ProcessSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), kSafeConfig.begin(), kSafeConfig.end());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
              "HOME=" + home_,
              "GIT_CONFIG_NOSYSTEM=1",
              "GIT_CONFIG_GLOBAL=/dev/null",
              "GIT_TERMINAL_PROMPT=0",
              "LANG=C",
              "LC_ALL=C"};
  spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
  spec.cwd = repo_;
  spec.time_limit = std::chrono::minutes(5);
  spec.output_head_bytes = 64 << 20;  // Diffs are the product: keep them whole.
  spec.output_tail_bytes = 0;
  return runner_.Run(spec);
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
    return InternalError("git " + command + " failed (exit " + std::to_string(result.exit_code) +
                         "): " + Trim(result.stderr_text.substr(0, 2000)));
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
  // Read once, now, while the worktree's .git file is still ours.
  ASSIGN_OR_RETURN(ProcessResult dirs,
                   Git({"-C", worktree.path, "rev-parse", "--git-dir", "--git-common-dir"}));
  std::string lines = dirs.stdout_text;
  size_t newline = lines.find('\n');
  worktree.git_dir = AbsolutePath(worktree.path, lines.substr(0, newline));
  worktree.common_dir = AbsolutePath(worktree.path, Trim(lines.substr(newline + 1)));
  return worktree;
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
  RETURN_IF_ERROR(Git(with({"add", "-A", "--", "."})));
  ASSIGN_OR_RETURN(ProcessResult staged, GitAllowFailure(with({"diff", "--cached", "--quiet"})));
  CommitOutcome outcome;
  if (staged.exit_code == 0) {
    ASSIGN_OR_RETURN(ProcessResult head, Git(with({"rev-parse", "HEAD"})));
    outcome.commit = Trim(head.stdout_text);
    return outcome;
  }
  std::vector<std::string> identity = {
      "GIT_AUTHOR_NAME=" + author.name, "GIT_AUTHOR_EMAIL=" + author.email,
      "GIT_COMMITTER_NAME=" + author.name, "GIT_COMMITTER_EMAIL=" + author.email};
  RETURN_IF_ERROR(Git(with({"commit", "--quiet", "--no-verify", "-m", message}), identity));
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

}  // namespace mh::sandbox
