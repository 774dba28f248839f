#include "sandbox/worktree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sandbox/sandbox.h"
#include "sandbox/test_util.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class WorktreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
    repo_ = dir_.path() / "repo";
    ProcessResult init = Shell(
        "git init -q -b main repo && cd repo && printf 'one\\n' > a.txt && git add . && "
        "git -c user.name=Setup -c user.email=setup@example.com commit -qm init",
        dir_.str());
    ASSERT_TRUE(init.ok()) << init.stderr_text;
    auto manager = WorktreeManager::Create(*runner_, repo_.string(), (dir_.path() / "wt").string());
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    manager_ = std::move(manager).value();
  }

  ProcessResult Shell(const std::string& script, const std::string& cwd) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.str(), "GIT_CONFIG_NOSYSTEM=1"};
    spec.cwd = cwd;
    Result<ProcessResult> result = runner_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  std::string GitOut(const std::string& args) {
    return Shell("git " + args, repo_.string()).stdout_text;
  }

  Worktree AddOrDie(const std::string& name, const std::string& branch) {
    Result<Worktree> worktree = manager_->Add(name, branch, "main");
    EXPECT_TRUE(worktree.ok()) << worktree.status().ToString();
    return worktree.ok() ? std::move(worktree).value() : Worktree{};
  }

  TempDir dir_;
  fs::path repo_;
  std::unique_ptr<RealProcessRunner> runner_;
  std::unique_ptr<WorktreeManager> manager_;
};

const GitIdentity kAgent{"Engineer Agent", "engineer@macrohard.invalid"};

TEST_F(WorktreeTest, AddMakesABranchAtTheBase) {
  Worktree worktree = AddOrDie("session-1", "agent/session-1");
  EXPECT_EQ(ReadFileOrEmpty(fs::path(worktree.path) / "a.txt"), "one\n");
  EXPECT_EQ(worktree.base_commit + "\n", GitOut("rev-parse main"));
  EXPECT_EQ(GitOut("rev-parse agent/session-1"), GitOut("rev-parse main"));
  EXPECT_TRUE(fs::is_directory(worktree.git_dir));
}

TEST_F(WorktreeTest, CommitAllRecordsEveryChangeWithTheAuthor) {
  Worktree worktree = AddOrDie("s", "agent/s");
  WriteFile(fs::path(worktree.path) / "a.txt", "one\ntwo\n");
  WriteFile(fs::path(worktree.path) / "new.txt", "fresh\n");
  Result<CommitOutcome> outcome = manager_->CommitAll(worktree, "Add two", kAgent);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->committed);
  EXPECT_EQ(outcome->commit + "\n", GitOut("rev-parse agent/s"));
  EXPECT_EQ(GitOut("log -1 --format=%an/%ae/%s agent/s"),
            "Engineer Agent/engineer@macrohard.invalid/Add two\n");
  EXPECT_EQ(GitOut("rev-parse main"), worktree.base_commit + "\n");  // main untouched

  Result<std::string> diff = manager_->Diff(worktree);
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  EXPECT_NE(diff->find("+two"), std::string::npos);
  EXPECT_NE(diff->find("+++ b/new.txt"), std::string::npos);
}

TEST_F(WorktreeTest, NothingToCommitIsAClearResult) {
  Worktree worktree = AddOrDie("s", "agent/s");
  Result<CommitOutcome> outcome = manager_->CommitAll(worktree, "nothing", kAgent);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_FALSE(outcome->committed);
  EXPECT_EQ(outcome->commit, worktree.base_commit);
  EXPECT_EQ(manager_->Diff(worktree).value(), "");
}

TEST_F(WorktreeTest, RemoveDeletesTheTreeAndKeepsTheBranch) {
  Worktree worktree = AddOrDie("s", "agent/s");
  WriteFile(fs::path(worktree.path) / "kept.txt", "kept\n");
  ASSERT_TRUE(manager_->CommitAll(worktree, "keep", kAgent).ok());
  ASSERT_TRUE(manager_->Remove(worktree).ok());
  EXPECT_FALSE(fs::exists(worktree.path));
  EXPECT_EQ(GitOut("show agent/s:kept.txt"), "kept\n");
  EXPECT_EQ(GitOut("worktree list").find(worktree.path), std::string::npos);
  EXPECT_TRUE(manager_->Remove(worktree).ok());  // already gone
}

TEST_F(WorktreeTest, RefusesBadRequests) {
  AddOrDie("s", "agent/s");
  EXPECT_EQ(manager_->Add("t", "agent/s", "main").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(manager_->Add("s", "agent/t", "main").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(manager_->Add("u", "agent/u", "no-such-base").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->Add("../escape", "agent/v", "main").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(manager_->Add("w", "bad..branch", "main").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WorktreeManager::Create(*runner_, (dir_.path() / "none").string(), dir_.str())
                .status()
                .code(),
            StatusCode::kNotFound);
}

// The agent controls the worktree's `.git` file; the system's commit must not
// follow it to a git directory (with hooks and config) the agent made up.
TEST_F(WorktreeTest, CommitIgnoresAForgedDotGitFile) {
  Worktree worktree = AddOrDie("s", "agent/s");
  fs::path evil = fs::path(worktree.path) / "evil.git";
  ProcessResult made = Shell("git init -q --bare evil.git && printf '#!/bin/sh\\ntouch " +
                                 dir_.str() + "/hook-ran\\n' > evil.git/hooks/pre-commit && " +
                                 "chmod +x evil.git/hooks/pre-commit",
                             worktree.path);
  ASSERT_TRUE(made.ok()) << made.stderr_text;
  WriteFile(fs::path(worktree.path) / ".git", "gitdir: " + evil.string() + "\n");
  WriteFile(fs::path(worktree.path) / "change.txt", "change\n");
  Result<CommitOutcome> outcome = manager_->CommitAll(worktree, "change", kAgent);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->committed);
  EXPECT_FALSE(fs::exists(dir_.path() / "hook-ran"));
  EXPECT_EQ(GitOut("show agent/s:change.txt"), "change\n");
  EXPECT_TRUE(manager_->Remove(worktree).ok());
  EXPECT_FALSE(fs::exists(worktree.path));
}

// The whole session: a sandboxed command edits the worktree mounted at /testbed,
// the system commits it, the diff shows the edit.
TEST_F(WorktreeTest, SandboxedEditsAreCommittedBySystem) {
  Worktree worktree = AddOrDie("s", "agent/s");
  SandboxConfig config;
  config.worktree = worktree.path;
  config.mount_point = "/testbed";
  config.extra_read_only = {worktree.common_dir};  // git works inside, read-only
  auto sandbox = Sandbox::Create(config);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  SandboxedRunner sandboxed(*runner_, std::move(sandbox).value());
  ProcessSpec spec;
  spec.argv = {"bash", "-c", "sed -i s/one/uno/ a.txt && echo added > b.txt"};
  spec.env = sandboxed.sandbox().DefaultEnv();
  Result<ProcessResult> edit = sandboxed.Run(spec);
  ASSERT_TRUE(edit.ok() && edit->ok()) << edit->stderr_text;
  spec.argv = {"git", "status", "--short"};
  Result<ProcessResult> status = sandboxed.Run(spec);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->stdout_text, " M a.txt\n?? b.txt\n") << status->stderr_text;
  ASSERT_TRUE(manager_->CommitAll(worktree, "edit", kAgent).ok());
  std::string diff = manager_->Diff(worktree).value();
  EXPECT_NE(diff.find("-one\n+uno"), std::string::npos) << diff;
  EXPECT_NE(diff.find("+added"), std::string::npos) << diff;
}

// Helpers for the gate operations below: commit one file on a worktree's branch.
std::string CommitFile(WorktreeManager& manager, const Worktree& worktree, const std::string& path,
                       const std::string& text, const std::string& message) {
  WriteFile(fs::path(worktree.path) / path, text);
  Result<CommitOutcome> outcome = manager.CommitAll(worktree, message, kAgent);
  EXPECT_TRUE(outcome.ok() && outcome->committed) << outcome.status().ToString();
  return outcome.ok() ? outcome->commit : "";
}

TEST_F(WorktreeTest, InitRepositoryCommitsTheFilesOnMain) {
  std::string product = (dir_.path() / "product").string();
  Result<std::string> commit = WorktreeManager::InitRepository(
      *runner_, product, {{"README.md", "# Product\n"}, {"src/main.cc", "int main() {}\n"}},
      "Initial commit", kAgent);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(Shell("git rev-parse main", product).stdout_text, *commit + "\n");
  EXPECT_EQ(Shell("git symbolic-ref HEAD", product).stdout_text, "refs/heads/main\n");
  EXPECT_EQ(Shell("git show main:src/main.cc", product).stdout_text, "int main() {}\n");
  EXPECT_EQ(Shell("git log -1 --format=%an/%s", product).stdout_text,
            "Engineer Agent/Initial commit\n");
  EXPECT_EQ(Shell("git status --porcelain", product).stdout_text, "");  // all committed

  EXPECT_EQ(WorktreeManager::InitRepository(*runner_, product, {}, "again", kAgent).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(WorktreeManager::InitRepository(*runner_, (dir_.path() / "other").string(),
                                            {{"../escape", "x"}}, "bad", kAgent)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_.path() / "escape"));
}

TEST_F(WorktreeTest, ResolveCommitNamesOnlyCommits) {
  EXPECT_EQ(manager_->ResolveCommit("main").value() + "\n", GitOut("rev-parse main"));
  EXPECT_EQ(manager_->ResolveCommit("refs/heads/main").value() + "\n", GitOut("rev-parse main"));
  EXPECT_EQ(manager_->ResolveCommit("no-such-branch").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->ResolveCommit("--output=/tmp/x").status().code(), StatusCode::kNotFound);
}

// Two changes edit the same line: the second one to land must merge main and resolve the
// conflict itself (as an agent would, by editing files), then the system lands it.
TEST_F(WorktreeTest, ConflictIsLeftForTheAgentThenLandsOnMain) {
  Worktree first = AddOrDie("first", "mh/1");
  Worktree second = AddOrDie("second", "mh/2");
  std::string landed = CommitFile(*manager_, first, "a.txt", "alpha\n", "Alpha");
  CommitFile(*manager_, second, "a.txt", "beta\n", "Beta");
  ASSERT_TRUE(manager_->FastForward("main", landed).ok());

  Result<MergeOutcome> merge = manager_->MergeInto(second, "main", kAgent);
  ASSERT_TRUE(merge.ok()) << merge.status().ToString();
  EXPECT_FALSE(merge->clean);
  EXPECT_EQ(merge->conflicts, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(merge->commit + "\n", GitOut("rev-parse mh/2"));  // branch not moved yet
  EXPECT_TRUE(manager_->MergeInProgress(second).value());
  std::string marked = ReadFileOrEmpty(fs::path(second.path) / "a.txt");
  EXPECT_NE(marked.find("<<<<<<<"), std::string::npos) << marked;
  EXPECT_NE(marked.find(">>>>>>>"), std::string::npos) << marked;
  EXPECT_EQ(manager_->FilesWithConflictMarkers(second).value(), std::vector<std::string>{"a.txt"});
  EXPECT_EQ(manager_->MergeInto(second, "main", kAgent).status().code(),
            StatusCode::kFailedPrecondition);

  // Staged with the markers still in (the index forgets the conflict): still caught.
  ASSERT_TRUE(Shell("git add a.txt", second.path).ok());
  EXPECT_EQ(manager_->FilesWithConflictMarkers(second).value(), std::vector<std::string>{"a.txt"});
  WriteFile(fs::path(second.path) / "a.txt", "alpha and beta\n");
  EXPECT_TRUE(manager_->FilesWithConflictMarkers(second).value().empty());
  Result<CommitOutcome> resolved = manager_->CommitAll(second, "Resolve", kAgent);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_TRUE(resolved->committed);
  EXPECT_FALSE(manager_->MergeInProgress(second).value());
  std::string parents = GitOut("log -1 --format=%P mh/2");
  EXPECT_EQ(std::count(parents.begin(), parents.end(), ' '), 1) << parents;  // a merge commit

  ASSERT_TRUE(manager_->FastForward("main", resolved->commit).ok());
  EXPECT_EQ(GitOut("rev-parse main"), resolved->commit + "\n");
  EXPECT_EQ(ReadFileOrEmpty(repo_ / "a.txt"), "alpha and beta\n");  // checked-out files follow
  EXPECT_EQ(GitOut("status --porcelain"), "");
  EXPECT_TRUE(manager_->FastForward("main", resolved->commit).ok());  // idempotent
  EXPECT_TRUE(manager_->FastForward("main", landed).ok());            // already contained
  EXPECT_EQ(GitOut("rev-parse main"), resolved->commit + "\n");
}

// Resolving a conflict by keeping the branch's side leaves the tree equal to HEAD;
// it must still become a merge commit, or main could never fast-forward to it.
TEST_F(WorktreeTest, AbortMergeRestoresTheBranchAndItsFiles) {
  Worktree first = AddOrDie("first", "mh/1");
  Worktree second = AddOrDie("second", "mh/2");
  std::string landed = CommitFile(*manager_, first, "a.txt", "alpha\n", "Alpha");
  std::string mine = CommitFile(*manager_, second, "a.txt", "beta\n", "Beta");
  ASSERT_TRUE(manager_->FastForward("main", landed).ok());
  ASSERT_FALSE(manager_->MergeInto(second, "main", kAgent)->clean);
  ASSERT_TRUE(manager_->AbortMerge(second).ok());
  EXPECT_FALSE(manager_->MergeInProgress(second).value());
  EXPECT_EQ(ReadFileOrEmpty(fs::path(second.path) / "a.txt"), "beta\n");
  EXPECT_EQ(GitOut("rev-parse mh/2"), mine + "\n");
  EXPECT_TRUE(manager_->AbortMerge(second).ok());  // Nothing to abort: fine.
}

TEST_F(WorktreeTest, ConflictResolvedAsOursStillMakesAMergeCommit) {
  Worktree first = AddOrDie("first", "mh/1");
  Worktree second = AddOrDie("second", "mh/2");
  ASSERT_TRUE(
      manager_->FastForward("main", CommitFile(*manager_, first, "a.txt", "x\n", "X")).ok());
  std::string ours = CommitFile(*manager_, second, "a.txt", "y\n", "Y");
  ASSERT_FALSE(manager_->MergeInto(second, "main", kAgent).value().clean);
  WriteFile(fs::path(second.path) / "a.txt", "y\n");
  Result<CommitOutcome> resolved = manager_->CommitAll(second, "Keep ours", kAgent);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_TRUE(resolved->committed);
  EXPECT_NE(resolved->commit, ours);
  EXPECT_TRUE(manager_->IsAncestor("main", "mh/2").value());
  EXPECT_TRUE(manager_->FastForward("main", resolved->commit).ok());
  EXPECT_EQ(ReadFileOrEmpty(repo_ / "a.txt"), "y\n");
}

TEST_F(WorktreeTest, CleanMergeCommitsAndFastForwardRefusesDivergence) {
  Worktree first = AddOrDie("first", "mh/1");
  Worktree second = AddOrDie("second", "mh/2");
  std::string other = CommitFile(*manager_, first, "b.txt", "b\n", "Add b");
  ASSERT_TRUE(manager_->FastForward("main", other).ok());
  std::string mine = CommitFile(*manager_, second, "c.txt", "c\n", "Add c");
  EXPECT_EQ(manager_->FastForward("main", mine).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(GitOut("rev-parse main"), other + "\n");  // refused: main not moved

  Result<MergeOutcome> merge = manager_->MergeInto(second, "main", kAgent);
  ASSERT_TRUE(merge.ok()) << merge.status().ToString();
  EXPECT_TRUE(merge->clean);
  EXPECT_TRUE(merge->conflicts.empty());
  EXPECT_EQ(merge->commit + "\n", GitOut("rev-parse mh/2"));
  EXPECT_EQ(GitOut("log -1 --format=%an mh/2"), "Engineer Agent\n");
  EXPECT_EQ(ReadFileOrEmpty(fs::path(second.path) / "b.txt"), "b\n");
  EXPECT_FALSE(manager_->MergeInProgress(second).value());
  EXPECT_TRUE(manager_->MergeInto(second, "main", kAgent).value().clean);  // up to date
  EXPECT_TRUE(manager_->FastForward("main", merge->commit).ok());
  EXPECT_EQ(ReadFileOrEmpty(repo_ / "c.txt"), "c\n");
}

TEST_F(WorktreeTest, FastForwardsABranchThatIsNotCheckedOut) {
  ASSERT_TRUE(Shell("git branch stable main", repo_.string()).ok());
  Worktree worktree = AddOrDie("s", "mh/s");
  std::string commit = CommitFile(*manager_, worktree, "a.txt", "two\n", "Two");
  ASSERT_TRUE(manager_->FastForward("stable", commit).ok());
  EXPECT_EQ(GitOut("rev-parse stable"), commit + "\n");
  EXPECT_EQ(ReadFileOrEmpty(repo_ / "a.txt"), "one\n");  // main, checked out, unchanged
  EXPECT_EQ(manager_->FastForward("no-such", commit).code(), StatusCode::kNotFound);
}

TEST_F(WorktreeTest, TagsAreIdempotentAndSortedByVersion) {
  Worktree worktree = AddOrDie("s", "mh/s");
  std::string main_commit = manager_->ResolveCommit("main").value();
  std::string later = CommitFile(*manager_, worktree, "a.txt", "two\n", "Two");
  const GitIdentity kRelease{"Release Manager", "release@macrohard.invalid"};
  ASSERT_TRUE(manager_->Tag("v0.10.0", later, "Release 0.10.0", kRelease).ok());
  ASSERT_TRUE(manager_->Tag("v0.2.0", main_commit, "Release 0.2.0", kRelease).ok());
  ASSERT_TRUE(manager_->Tag("v0.9.0", main_commit, "Release 0.9.0", kRelease).ok());
  EXPECT_TRUE(manager_->Tag("v0.10.0", later, "Release 0.10.0", kRelease).ok());  // again
  EXPECT_EQ(manager_->Tag("v0.10.0", main_commit, "moved", kRelease).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(manager_->Tag("bad..name", later, "x", kRelease).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager_->Tags().value(), (std::vector<std::string>{"v0.2.0", "v0.9.0", "v0.10.0"}));
  EXPECT_EQ(GitOut("cat-file -t v0.10.0"), "tag\n");  // annotated
  EXPECT_EQ(GitOut("for-each-ref '--format=%(taggername)/%(contents:subject)' refs/tags/v0.10.0"),
            "Release Manager/Release 0.10.0\n");
  EXPECT_EQ(GitOut("rev-parse v0.10.0^{commit}"), later + "\n");
}

TEST_F(WorktreeTest, LogAndDiffAgainstShowOnlyTheBranchsWork) {
  Worktree worktree = AddOrDie("s", "mh/s");
  Worktree other = AddOrDie("o", "mh/o");
  CommitFile(*manager_, worktree, "feature.txt", "feature line\n", "Add feature");
  CommitFile(*manager_, worktree, "a.txt", "one\nfixed\n", "Fix a");
  ASSERT_TRUE(
      manager_->FastForward("main", CommitFile(*manager_, other, "z.txt", "z\n", "Other")).ok());

  EXPECT_EQ(manager_->Log("main", "mh/s").value(),
            (std::vector<std::string>{"Add feature", "Fix a"}));
  EXPECT_EQ(manager_->Log("", "main").value(), (std::vector<std::string>{"init", "Other"}));
  EXPECT_TRUE(manager_->Log("mh/s", "mh/s").value().empty());
  EXPECT_EQ(manager_->Log("nope", "main").status().code(), StatusCode::kNotFound);

  Result<std::string> diff = manager_->DiffAgainst(worktree, "main", 1 << 20);
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  EXPECT_NE(diff->find("+feature line"), std::string::npos) << *diff;
  EXPECT_NE(diff->find("+fixed"), std::string::npos) << *diff;
  EXPECT_EQ(diff->find("z.txt"), std::string::npos) << *diff;  // main's own change
  EXPECT_EQ(diff->find("diff cut"), std::string::npos);

  Result<std::string> cut = manager_->DiffAgainst(worktree, "main", 60);
  ASSERT_TRUE(cut.ok());
  size_t note = cut->find("\n[diff cut: showing ");
  ASSERT_NE(note, std::string::npos) << *cut;
  EXPECT_EQ(cut->find('\n', note + 1), cut->size() - 1);  // the note is the last line
  EXPECT_NE(cut->find(" of " + std::to_string(diff->size()) + " bytes]\n"), std::string::npos)
      << *cut;
  EXPECT_LT(note, 60u);
  EXPECT_EQ(diff->rfind(cut->substr(0, note + 1), 0), 0u);  // whole lines of the diff
}

TEST_F(WorktreeTest, OpenReopensAnExistingBranchAfterRemove) {
  Worktree worktree = AddOrDie("s", "mh/s");
  std::string commit = CommitFile(*manager_, worktree, "work.txt", "half done\n", "Half");
  ASSERT_TRUE(manager_->Remove(worktree).ok());

  Result<Worktree> reopened = manager_->Open("s-again", "mh/s");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->branch, "mh/s");
  EXPECT_EQ(reopened->base_commit + "\n", GitOut("rev-parse main"));
  EXPECT_EQ(ReadFileOrEmpty(fs::path(reopened->path) / "work.txt"), "half done\n");
  std::string next = CommitFile(*manager_, *reopened, "work.txt", "done\n", "Done");
  EXPECT_EQ(GitOut("rev-parse mh/s^"), commit + "\n");
  EXPECT_EQ(GitOut("rev-parse mh/s"), next + "\n");

  EXPECT_EQ(manager_->Open("x", "mh/none").status().code(), StatusCode::kNotFound);
  // Already there: on a disk of its own it is used as is (workspace_disk_test.cc); a plain
  // directory is in the way.
  Result<Worktree> again = manager_->Open("s-again", "mh/s");
  if (manager_->disk_quota_enabled()) {
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->path, reopened->path);
  } else {
    EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  }
}

}  // namespace
}  // namespace mh::sandbox
