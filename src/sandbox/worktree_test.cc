#include "sandbox/worktree.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mh::sandbox
