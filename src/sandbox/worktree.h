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
#include <utility>
#include <vector>

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

struct MergeOutcome {
  bool clean = false;                  // Merged (or already up to date) and committed.
  std::vector<std::string> conflicts;  // Paths with conflicts when !clean, sorted.
  std::string commit;                  // Branch head afterwards.
};

class WorktreeManager {
 public:
  // `repo`: an existing git repository (work tree or bare); `root`: the directory
  // under which worktrees are made (created if missing). Errors: kNotFound (no repo),
  // kInternal (cannot create directories).
  static Result<std::unique_ptr<WorktreeManager>> Create(ProcessRunner& runner,
                                                         const std::string& repo,
                                                         const std::string& root);
  // Creates a new repository at `path` (which must not exist or be empty) with branch
  // `main`, writes `files` (relative path -> content; no absolute paths, no `..`, nothing
  // under `.git`), commits them as `author` with `message` (an empty `files` makes an
  // empty first commit) and returns the commit. Errors: kAlreadyExists (`path` holds a
  // repository), kFailedPrecondition (`path` is a non-empty directory),
  // kInvalidArgument (a bad file path or an author without name or email), kInternal.
  static Result<std::string> InitRepository(
      ProcessRunner& runner, const std::string& path,
      const std::vector<std::pair<std::string, std::string>>& files, const std::string& message,
      const GitIdentity& author);

  ~WorktreeManager();
  WorktreeManager(const WorktreeManager&) = delete;
  WorktreeManager& operator=(const WorktreeManager&) = delete;

  // The full hash of the commit `rev` names (e.g. "main", "refs/heads/mh/7", a hash).
  // Errors: kNotFound when it names no commit (a `rev` starting with '-' names none).
  Result<std::string> ResolveCommit(const std::string& rev);

  // Makes `<root>/<name>` on a new branch `branch` at `base` (any commit-ish).
  // Errors: kInvalidArgument (bad name or branch), kNotFound (base unknown),
  // kAlreadyExists (branch or directory exists), kInternal (git failed).
  Result<Worktree> Add(const std::string& name, const std::string& branch, const std::string& base);

  // Makes `<root>/<name>` for an EXISTING branch (after a crash, or to re-open a branch
  // whose worktree was removed): like Add without creating the branch. base_commit is
  // the merge base of the branch and the repository's HEAD (the branch head when they
  // share none). Errors: kInvalidArgument (bad name), kNotFound (no such branch),
  // kAlreadyExists (directory exists), kInternal (git failed, e.g. the branch is
  // checked out in another work tree).
  Result<Worktree> Open(const std::string& name, const std::string& branch);

  // Stages everything in the work tree (new, changed, deleted; .gitignore applies)
  // and commits it on the branch. Nothing changed: committed == false, no commit.
  // While a merge is in progress (see MergeInto) it always commits, concluding the
  // merge with a merge commit even when the resolved tree equals HEAD.
  Result<CommitOutcome> CommitAll(const Worktree& worktree, const std::string& message,
                                  const GitIdentity& author);

  // The change: `git diff --binary <base> <branch head>` (commit first to include
  // the agent's latest edits).
  Result<std::string> Diff(const Worktree& worktree);

  // Merges `rev` (normally "main") into the worktree's branch with `git merge
  // --no-edit`, fast-forward or not, as `author`. On conflict the merge is LEFT IN
  // PROGRESS with conflict markers in the files (clean == false, conflicts listed,
  // commit the unchanged branch head), so the agent can edit them; a later CommitAll()
  // concludes it. Errors: kNotFound (`rev` unknown), kFailedPrecondition (a merge is
  // already in progress), kInternal (git refused, e.g. local changes in the way).
  Result<MergeOutcome> MergeInto(const Worktree& worktree, const std::string& rev,
                                 const GitIdentity& author);

  // True while a merge is in progress in the worktree (MERGE_HEAD exists).
  Result<bool> MergeInProgress(const Worktree& worktree);
  // Gives up a merge in progress (git merge --abort): the branch and files are as before
  // it. No merge in progress: nothing to do.
  Status AbortMerge(const Worktree& worktree);

  // Among the files that conflicted in the merge in progress (unmerged index entries
  // and the list git wrote for the merge message), those whose work-tree copy still has
  // a line starting with "<<<<<<<" or ">>>>>>>", sorted. Empty when no merge is in
  // progress. Symlinks and missing files count as having no markers.
  Result<std::vector<std::string>> FilesWithConflictMarkers(const Worktree& worktree);

  // Moves branch `target` (e.g. "main") to `commit` only if that is a fast-forward.
  // When `target` is checked out in the repository's own work tree, that tree's files
  // are updated too (git merge --ff-only there). Idempotent: when `target` already
  // contains `commit` it does nothing. Errors: kNotFound (either unknown),
  // kFailedPrecondition (not a fast-forward), kInternal (git refused, e.g. local
  // changes in the repository's work tree would be overwritten).
  Status FastForward(const std::string& target, const std::string& commit);

  // Creates annotated tag `name` at `commit` with `message`. Idempotent: an existing
  // tag at the same commit is Ok. Errors: kAlreadyExists (the tag names another
  // commit), kInvalidArgument (bad tag name, tagger without name or email),
  // kNotFound (commit unknown).
  Status Tag(const std::string& name, const std::string& commit, const std::string& message,
             const GitIdentity& tagger);

  // Tags in the repository, sorted by version (git tag --sort=v:refname).
  Result<std::vector<std::string>> Tags();

  // True when `ancestor` is an ancestor of (or equal to) `descendant`.
  // Errors: kNotFound when either names no commit.
  Result<bool> IsAncestor(const std::string& ancestor, const std::string& descendant);

  // `git diff` from the merge base of `base` and the branch to the branch head, as text
  // (what a reviewer reads; commit first to include the latest edits). Longer than
  // `max_bytes`: cut at the last line break before the limit, with a last line
  // "[diff cut: showing N of M bytes]". Errors: kNotFound (`base` unknown).
  Result<std::string> DiffAgainst(const Worktree& worktree, const std::string& base,
                                  size_t max_bytes);

  // Subjects of the commits reachable from `rev` and not from `since` (empty `since`:
  // all of them), oldest first. Errors: kNotFound when either names no commit.
  Result<std::vector<std::string>> Log(const std::string& since, const std::string& rev);

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
  // Fills git_dir and common_dir of a worktree git has just made at worktree->path.
  Status ReadGitDirs(Worktree* worktree);
  // The paths that conflicted in the merge in progress, sorted.
  Result<std::vector<std::string>> ConflictedPaths(const Worktree& worktree);

  ProcessRunner& runner_;
  std::string repo_;
  std::string root_;
  std::string home_;
};

}  // namespace mh::sandbox
