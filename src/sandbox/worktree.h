// Worktrees: one git worktree per session, on its own branch, made from a base
// commit; the system (not the agent) commits what the agent changed when it submits,
// and removes the worktree afterwards (the branch stays for review and merge).
//
// git runs through a ProcessRunner with an explicit environment: no system or user
// configuration (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null, HOME a private
// empty dir), no prompts, hooks disabled, no fsmonitor. Because the agent can write
// anything inside its worktree, including the `.git` file that points at the git
// directory, every command names the git directory and work tree recorded when the
// worktree was created instead of trusting what the worktree says.
//
// Thread-safety: a WorktreeManager may be used from several threads for different
// worktrees if its runner is thread-safe; git itself serialises ref updates.
// Ownership: the manager owns its private HOME directory; it does not own the runner,
// which must outlive it.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "sandbox/process.h"

namespace mh::sandbox {

struct GitIdentity {
  std::string name;
  std::string email;
};

struct Worktree {
  std::string name;         // Directory name under the manager's root.
  std::string path;         // Absolute host path of the work tree.
  std::string branch;       // The session's branch.
  std::string base_commit;  // Full hash the branch started from.
  std::string git_dir;      // The worktree's private git directory (in the repo).
  std::string common_dir;   // The repository's git directory (objects, refs).
};

struct CommitOutcome {
  bool committed = false;  // False when the agent changed nothing.
  std::string commit;      // The branch head afterwards (the base when nothing changed).
};

class WorktreeManager {
 public:
  // `repo`: an existing git repository (work tree or bare); `root`: the directory
  // under which worktrees are made (created if missing). Errors: kNotFound (no repo),
  // kInternal (cannot create directories).
  static Result<std::unique_ptr<WorktreeManager>> Create(ProcessRunner& runner,
                                                         const std::string& repo,
                                                         const std::string& root);
  ~WorktreeManager();
  WorktreeManager(const WorktreeManager&) = delete;
  WorktreeManager& operator=(const WorktreeManager&) = delete;

  // Makes `<root>/<name>` on a new branch `branch` at `base` (any commit-ish).
  // Errors: kInvalidArgument (bad name or branch), kNotFound (base unknown),
  // kAlreadyExists (branch or directory exists), kInternal (git failed).
  Result<Worktree> Add(const std::string& name, const std::string& branch, const std::string& base);

  // Stages everything in the work tree (new, changed, deleted; .gitignore applies)
  // and commits it on the branch. Nothing changed: committed == false, no commit.
  Result<CommitOutcome> CommitAll(const Worktree& worktree, const std::string& message,
                                  const GitIdentity& author);

  // The change: `git diff --binary <base> <branch head>` (commit first to include
  // the agent's latest edits).
  Result<std::string> Diff(const Worktree& worktree);

  // Deletes the work tree and its git directory; the branch and its commits stay.
  // Removing a worktree that is already gone is not an error.
  Status Remove(const Worktree& worktree);

 private:
  WorktreeManager(ProcessRunner& runner, std::string repo, std::string root, std::string home)
      : runner_(runner), repo_(std::move(repo)), root_(std::move(root)), home_(std::move(home)) {}

  // Runs git with `args`; a non-zero exit becomes kInternal with git's stderr.
  Result<ProcessResult> Git(const std::vector<std::string>& args,
                            const std::vector<std::string>& extra_env = {});
  Result<ProcessResult> GitAllowFailure(const std::vector<std::string>& args,
                                        const std::vector<std::string>& extra_env = {});
  std::vector<std::string> InWorktree(const Worktree& worktree) const;

  ProcessRunner& runner_;
  std::string repo_;
  std::string root_;
  std::string home_;
};

}  // namespace mh::sandbox
