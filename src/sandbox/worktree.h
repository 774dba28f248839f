// Workspaces: one per session, a git repository of its own on its own branch, made from
// a base commit of the company's (or solve's) repository. (The type keeps its older name,
// Worktree.) A workspace is a clone that borrows the repository's objects through
// `.git/objects/info/alternates`: making one copies no objects, and git works inside the
// sandbox as in a developer's checkout (status, diff, log, checkout, stash, commit, ...),
// with the repository's objects directory bound read-only (WorkspaceReadOnlyPaths()).
// Nothing inside can change the repository's refs: its main, tags and other branches.
//
// The agent controls everything in its workspace, its `.git` included (config, hooks,
// attributes). So the system never runs git there as itself: what touches a workspace
// (committing, merging, listing conflicts) runs inside the workspace's sandbox, as the
// agent's commands do; what touches the repository runs on the host with our own
// configuration. A submission crosses over as a git bundle that the workspace writes and
// the repository fetches: data that git checks, never a command.
//
// git on the host runs with an explicit environment: no system or user configuration
// (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null, HOME a private empty dir), no
// prompts, hooks disabled, no fsmonitor.
//
// Thread-safety: a WorktreeManager may be used from several threads for different
// workspaces if its runner is thread-safe; git itself serialises ref updates.
// Ownership: the manager owns its private HOME directory; it does not own the runner,
// which must outlive it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "sandbox/workspace_disk.h"

namespace mh::sandbox {

struct GitIdentity {
  std::string name;
  std::string email;
};

struct Worktree {
  std::string name;         // Directory name under the manager's root.
  std::string path;         // Absolute host path of the workspace's work tree.
  std::string branch;       // The session's branch, in the workspace and the repository.
  std::string base_commit;  // Full hash the branch started from.
  std::string git_dir;      // The workspace's own git directory: path + "/.git".
  std::string common_dir;   // The repository's git directory, whose objects it borrows.
};

// The host paths a sandbox over `worktree` must bind read-only (at the same path) for
// git to work inside: the repository's objects.
std::vector<std::string> WorkspaceReadOnlyPaths(const Worktree& worktree);

// What a workspace's git leaves out of commits on top of the repository's own
// .gitignore files (which win: a rule there overrides these), written to its
// `.git/info/exclude`. Build junk that no repository wants committed unless it says so.
extern const char kDefaultExcludes[];

struct WorkspaceOptions {
  // Appended to kDefaultExcludes (e.g. the user's global excludes file, for solve).
  std::string extra_excludes;
  // The sandbox the system's git runs in inside a workspace: worktree and read-only
  // paths are filled in per workspace; the rest (user, limits) is taken as given.
  SandboxConfig sandbox;
  // Size of each workspace's own disk (workspace_disk.h), which holds its work tree and
  // .git: writes past it fail with "No space left on device". 0: no quota, workspaces are
  // plain directories (also the degraded mode, without root or loop devices).
  uint64_t disk_quota_bytes = 8ull << 30;
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
                                                         const std::string& root,
                                                         WorkspaceOptions options = {});
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

  // Makes `<root>/<name>` on a new branch `branch` at `base` (any commit-ish), on a disk
  // of its own when there is a quota (mounted before the clone is made into it).
  // Errors: kInvalidArgument (bad name or branch), kNotFound (base unknown),
  // kAlreadyExists (branch, directory or disk image exists), kResourceExhausted (no
  // space for the disk image, no free loop device), kInternal (git, mkfs or mount failed).
  Result<Worktree> Add(const std::string& name, const std::string& branch, const std::string& base);

  // Makes `<root>/<name>` for an EXISTING branch (after a crash, or to re-open a branch
  // whose worktree was removed): like Add without creating the branch. base_commit is
  // the merge base of the branch and the repository's HEAD (the branch head when they
  // share none). With a quota, a workspace whose disk image exists (after a crash or a
  // reboot) is mounted again if it is not, and used as it is when it holds a clone.
  // Errors: kInvalidArgument (bad name), kNotFound (no such branch), kAlreadyExists
  // (directory exists, and is not a workspace on its disk), kResourceExhausted and
  // kInternal as Add (git failed, e.g. the branch is checked out in another work tree).
  Result<Worktree> Open(const std::string& name, const std::string& branch);

  // Inside the workspace: stages everything in the work tree (new, changed, deleted;
  // .gitignore and the workspace's excludes apply) and commits it on top of whatever
  // the agent has checked out, keeping the agent's own commits. Then the repository's
  // branch is set to that commit. committed == false when the branch did not move (the
  // agent changed and committed nothing). While a merge is in progress (see MergeInto)
  // it always commits, concluding the merge with a merge commit even when the resolved
  // tree equals HEAD. Errors: kInternal with git's words when the agent left its
  // repository unusable (e.g. deleted .git).
  // `only`: stage just these paths (literally, where they exist or are tracked), for
  // a replay whose recorded submission names its files; the rest stays out.
  Result<CommitOutcome> CommitAll(const Worktree& worktree, const std::string& message,
                                  const GitIdentity& author,
                                  const std::optional<std::vector<std::string>>& only = {});

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

  // Deletes the work tree and its git directory, and its disk (unmounted, image deleted);
  // the branch and its commits stay. Removing a worktree that is already gone is not an
  // error.
  Status Remove(const Worktree& worktree);

  // The workspace Add(name, branch, base) makes, without making it (for Remove()).
  Worktree Describe(const std::string& name, const std::string& branch,
                    const std::string& base) const;
  // Mounts the disk of workspace `name` again when its image exists and is not mounted
  // (after a reboot or a crash), so that `<root>/<name>` shows the workspace. Ok with
  // nothing to do (mounted, no image, no quota). Errors as Add.
  Status Remount(const std::string& name);

  // True when workspaces get disks of their own (a quota, and not in degraded mode).
  bool disk_quota_enabled() const { return disks_ != nullptr && disks_->enabled(); }

  // Undoes Add() for a workspace nobody worked in: removes it and deletes its branch
  // when the branch is still at its base (work on it is never thrown away).
  Status Discard(const Worktree& worktree);

  // Untracked files git leaves out of CommitAll in the workspace (ignored ones), as
  // directories where a whole directory is ignored, sorted.
  Result<std::vector<std::string>> IgnoredFiles(const Worktree& worktree);

  // The content of `path` at `commit` in the repository; nullopt when it has no such
  // file. Errors: kNotFound when `commit` names no commit.
  Result<std::optional<std::string>> FileAt(const std::string& commit, const std::string& path);

  // Paths with changes that are not committed in the workspace (git status), sorted.
  Result<std::vector<std::string>> UncommittedFiles(const Worktree& worktree);

  // Paths that differ between two commits of the repository, with git's status letter
  // ("M\tsrc/a.c"), sorted by path.
  Result<std::vector<std::string>> ChangedFiles(const std::string& from, const std::string& to);

 private:
  WorktreeManager(ProcessRunner& runner, std::string repo, std::string root, std::string home,
                  WorkspaceOptions options)
      : runner_(runner),
        repo_(std::move(repo)),
        root_(std::move(root)),
        home_(std::move(home)),
        options_(std::move(options)) {}

  // Runs `script` with bash inside the workspace's sandbox, with `git` a function that
  // adds our safe settings; `env` adds NAME=value entries for the script's arguments.
  Result<ProcessResult> InWorkspace(const Worktree& worktree, const std::string& script,
                                    const std::vector<std::string>& env = {},
                                    const std::string& stdin_text = "");
  // Makes a workspace at `path` on a new branch `branch` at `commit` (a full hash).
  Status Clone(const Worktree& worktree, const std::string& commit);
  // Points the repository's branch at the workspace's commit `head`, bringing over
  // the objects it lacks through a bundle.
  Status Import(const Worktree& worktree, const std::string& head);

  // Runs git with `args`; a non-zero exit becomes kInternal with git's stderr.
  Result<ProcessResult> Git(const std::vector<std::string>& args,
                            const std::vector<std::string>& extra_env = {});
  Result<ProcessResult> GitAllowFailure(const std::vector<std::string>& args,
                                        const std::vector<std::string>& extra_env = {});
  // The paths that conflicted in the merge in progress, sorted.
  Result<std::vector<std::string>> ConflictedPaths(const Worktree& worktree);

  ProcessRunner& runner_;
  std::string repo_;
  std::string root_;
  std::string home_;
  std::string common_dir_;  // The repository's git directory, absolute.
  WorkspaceOptions options_;
  std::unique_ptr<WorkspaceDisks> disks_;  // Never null after Create.
};

}  // namespace mh::sandbox
