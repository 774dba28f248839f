// WorktreeManager, the workspace side: every git command that touches a session's
// workspace runs inside its sandbox, as the agent's commands do (worktree.h says why).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "sandbox/unique_fd.h"
#include "sandbox/worktree.h"
#include "sandbox/worktree_git.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using namespace worktree_git;

bool IsFullHash(const std::string& text) {
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Copies the regular file at `from` (not a symlink, not anything else) to `to`.
Status CopyPlainFile(const std::string& from, const std::string& to) {
  UniqueFd in(open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!in.valid() || fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InternalError("the workspace left no plain file at " + from);
  }
  UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.valid()) return InternalError("cannot write " + to + ": " + std::strerror(errno));
  char buffer[1 << 16];
  ssize_t n;
  while ((n = read(in.get(), buffer, sizeof(buffer))) > 0) {
    if (write(out.get(), buffer, static_cast<size_t>(n)) != n) {
      return InternalError("cannot write " + to + ": " + std::strerror(errno));
    }
  }
  if (n < 0) return InternalError("cannot read " + from + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Result<CommitOutcome> WorktreeManager::CommitAll(
    const Worktree& worktree, const std::string& message, const GitIdentity& author,
    const std::optional<std::vector<std::string>>& only) {
  if (author.name.empty() || author.email.empty()) {
    return InvalidArgumentError("a commit needs an author name and email");
  }
  ASSIGN_OR_RETURN(std::string before, ResolveCommit("refs/heads/" + worktree.branch));
  std::vector<std::string> env = IdentityEnv(author);
  env.push_back("MH_MESSAGE=" + message);
  std::string listed;
  if (only) {
    env.push_back("GIT_LITERAL_PATHSPECS=1");
    for (const std::string& path : *only) listed += path + '\0';
  }
  // Stage everything, or only the named paths that exist or are tracked.
  std::string script = only ? R"(set -e
while IFS= read -r -d '' p; do
  if [ -e "$p" ] || [ -L "$p" ] || git ls-files --error-unmatch -- "$p" >/dev/null 2>&1; then
    git add -A -- "$p"
  fi
done
)"
                            : "set -e\ngit add -A -- .\n";
  script +=
      R"(if git rev-parse -q --verify MERGE_HEAD >/dev/null || ! git diff --cached --quiet; then
  git commit --quiet --no-verify -m "$MH_MESSAGE"
fi
git rev-parse --verify HEAD)";
  ASSIGN_OR_RETURN(ProcessResult committed, InWorkspace(worktree, script, env, listed));
  if (!committed.ok()) return GitFailure("commit (in the workspace)", committed);
  std::string head = Trim(committed.stdout_text);
  if (!IsFullHash(head)) return InternalError("the workspace's HEAD is not a commit: " + head);
  RETURN_IF_ERROR(Import(worktree, head));
  return CommitOutcome{.committed = head != before, .commit = head};
}

// The workspace writes a bundle of what the repository lacks; we copy it out (refusing
// anything but a plain file) and fetch from the copy. A bundle is data: fetching it runs
// nothing of the workspace's.
Status WorktreeManager::Import(const Worktree& worktree, const std::string& head) {
  std::string ref = "refs/heads/" + worktree.branch;
  ASSIGN_OR_RETURN(ProcessResult known, GitAllowFailure({"cat-file", "-e", head + "^{commit}"}));
  if (known.ok()) return Git({"update-ref", ref, head}).status();
  Result<std::string> old = ResolveCommit(ref);
  std::vector<std::string> env = {"MH_BASE=" + worktree.base_commit,
                                  "MH_OLD=" + (old.ok() ? *old : worktree.base_commit)};
  ASSIGN_OR_RETURN(ProcessResult bundled,
                   InWorkspace(worktree,
                               "git bundle create --quiet .git/mh-submit.bundle HEAD --not "
                               "\"$MH_BASE\" \"$MH_OLD\"",
                               env));
  if (!bundled.ok()) return GitFailure("bundle (in the workspace)", bundled);
  std::string copy = home_ + "/" + worktree.name + ".bundle";
  RETURN_IF_ERROR(CopyPlainFile(worktree.git_dir + "/mh-submit.bundle", copy));
  std::error_code ec;
  fs::remove(worktree.git_dir + "/mh-submit.bundle", ec);
  Result<ProcessResult> fetched =
      Git({"fetch", "--quiet", "--no-tags", "--no-write-fetch-head", copy, "+HEAD:" + ref});
  fs::remove(copy, ec);
  RETURN_IF_ERROR(fetched.status());
  ASSIGN_OR_RETURN(std::string now, ResolveCommit(ref));
  if (now != head) return InternalError("the submitted bundle does not hold " + head);
  return Status::Ok();
}

Result<MergeOutcome> WorktreeManager::MergeInto(const Worktree& worktree, const std::string& rev,
                                                const GitIdentity& author) {
  if (author.name.empty() || author.email.empty()) {
    return InvalidArgumentError("a merge needs an author name and email");
  }
  ASSIGN_OR_RETURN(std::string commit, ResolveCommit(rev));
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  if (merging) return FailedPreconditionError("a merge is already in progress in " + worktree.name);
  std::vector<std::string> env = IdentityEnv(author);
  // The message names `rev` as given ("Merge main into ..."), not the hash.
  env.push_back("MH_MESSAGE=Merge " + rev + " into " + worktree.branch);
  env.push_back("MH_COMMIT=" + commit);
  ASSIGN_OR_RETURN(ProcessResult merged,
                   InWorkspace(worktree,
                               "git -c rerere.enabled=false merge --quiet --no-edit --no-verify "
                               "--no-autostash --ff -m \"$MH_MESSAGE\" \"$MH_COMMIT\" && "
                               "git rev-parse --verify HEAD",
                               env));
  MergeOutcome outcome;
  if (merged.ok()) {
    std::string head = Trim(merged.stdout_text);
    if (!IsFullHash(head)) return InternalError("the workspace's HEAD is not a commit: " + head);
    RETURN_IF_ERROR(Import(worktree, head));
    outcome.clean = true;
    outcome.commit = head;
    return outcome;
  }
  ASSIGN_OR_RETURN(outcome.commit, ResolveCommit("refs/heads/" + worktree.branch));
  ASSIGN_OR_RETURN(merging, MergeInProgress(worktree));
  if (!merging) return GitFailure("merge", merged);  // Refused before starting.
  ASSIGN_OR_RETURN(outcome.conflicts, ConflictedPaths(worktree));
  return outcome;
}

Result<bool> WorktreeManager::MergeInProgress(const Worktree& worktree) {
  ASSIGN_OR_RETURN(ProcessResult head,
                   InWorkspace(worktree, "git rev-parse --verify --quiet MERGE_HEAD"));
  return head.ok();
}

Status WorktreeManager::AbortMerge(const Worktree& worktree) {
  ASSIGN_OR_RETURN(bool merging, MergeInProgress(worktree));
  if (!merging) return Status::Ok();
  ASSIGN_OR_RETURN(ProcessResult aborted, InWorkspace(worktree, "git merge --abort"));
  if (!aborted.ok()) return GitFailure("merge --abort", aborted);
  return Status::Ok();
}

Result<std::vector<std::string>> WorktreeManager::ConflictedPaths(const Worktree& worktree) {
  // Unmerged index entries, then the merge message git wrote: once the files are staged
  // (CommitAll does `add -A`) the index forgets the conflict, but the message still lists
  // the paths as "#\t<path>" lines.
  ASSIGN_OR_RETURN(ProcessResult listed,
                   InWorkspace(worktree,
                               "git diff --name-only --diff-filter=U -z && printf '\\0\\0' && "
                               "cat \"$(git rev-parse --git-dir)/MERGE_MSG\" 2>/dev/null; true"));
  if (!listed.ok()) return GitFailure("diff (in the workspace)", listed);
  const std::string& text = listed.stdout_text;
  size_t split = text.find(std::string("\0\0", 2));
  std::set<std::string> paths;
  for (std::string& path : SplitNul(text.substr(0, split))) paths.insert(std::move(path));
  std::istringstream message(split == std::string::npos ? "" : text.substr(split + 2));
  std::string line;
  bool in_list = false;
  while (std::getline(message, line)) {
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
  std::string list;
  for (const std::string& path : conflicted) {
    if (ValidRepoPath(path)) list += path + '\0';
  }
  if (list.empty()) return marked;
  // Read inside: the paths are the agent's, and so is every directory on the way.
  ASSIGN_OR_RETURN(ProcessResult found, InWorkspace(worktree, R"(while IFS= read -r -d '' f; do
  if [ -f "$f" ] && [ ! -L "$f" ] && grep -qE '^(<<<<<<<|>>>>>>>)' -- "$f"; then printf '%s\0' "$f"; fi
done)",
                                                    {}, list));
  marked = SplitNul(found.stdout_text);
  std::sort(marked.begin(), marked.end());
  return marked;
}

Result<std::vector<std::string>> WorktreeManager::IgnoredFiles(const Worktree& worktree) {
  ASSIGN_OR_RETURN(
      ProcessResult listed,
      InWorkspace(worktree, "git ls-files --others --ignored --exclude-standard --directory -z"));
  if (!listed.ok()) return GitFailure("ls-files (in the workspace)", listed);
  std::vector<std::string> paths = SplitNul(listed.stdout_text);
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<std::vector<std::string>> WorktreeManager::UncommittedFiles(const Worktree& worktree) {
  ASSIGN_OR_RETURN(
      ProcessResult listed,
      InWorkspace(worktree, "git status --porcelain=v1 -z --no-renames --untracked-files=all"));
  if (!listed.ok()) return GitFailure("status (in the workspace)", listed);
  std::vector<std::string> paths;
  for (const std::string& entry : SplitNul(listed.stdout_text)) {
    if (entry.size() > 3) paths.push_back(entry.substr(3));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<ProcessResult> WorktreeManager::InWorkspace(const Worktree& worktree,
                                                   const std::string& script,
                                                   const std::vector<std::string>& env,
                                                   const std::string& stdin_text) {
  SandboxConfig config = options_.sandbox;
  config.worktree = worktree.path;
  config.mount_point.clear();
  config.network = false;
  for (std::string& path : WorkspaceReadOnlyPaths(worktree)) {
    config.extra_read_only.push_back(std::move(path));
  }
  ASSIGN_OR_RETURN(Sandbox sandbox, Sandbox::Create(std::move(config)));
  ProcessSpec spec;
  std::string prelude = "git() { command git";
  for (const std::string& arg : kSafeConfig) prelude += " " + arg;
  prelude += " \"$@\"; }\n";
  spec.argv = {"bash", "-c", prelude + script};
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
              "HOME=/tmp",
              "GIT_CONFIG_NOSYSTEM=1",
              "GIT_CONFIG_GLOBAL=/dev/null",
              "GIT_TERMINAL_PROMPT=0",
              "LANG=C",
              "LC_ALL=C"};
  spec.env.insert(spec.env.end(), env.begin(), env.end());
  spec.stdin_text = stdin_text;
  spec.time_limit = std::chrono::minutes(5);
  spec.output_head_bytes = 64 << 20;
  spec.output_tail_bytes = 0;
  SandboxedRunner runner(runner_, std::move(sandbox));
  return runner.Run(spec);
}

std::vector<std::string> WorkspaceReadOnlyPaths(const Worktree& worktree) {
  return {worktree.common_dir + "/objects"};
}

const char kDefaultExcludes[] =
    "# Written by Macrohard: build junk is never committed unless the repository's own\n"
    "# .gitignore says otherwise.\n"
    "__pycache__/\n*.py[cod]\n.pytest_cache/\n.mypy_cache/\n.ruff_cache/\n.tox/\n"
    ".venv/\n*.egg-info/\n.coverage\nnode_modules/\n.cache/\nbuild/\ndist/\ntarget/\n"
    "CMakeFiles/\nCMakeCache.txt\n*.o\n*.obj\n.DS_Store\n";

}  // namespace mh::sandbox
