// Functional tests of the bubblewrap sandbox: what a command sees inside.
#include "sandbox/sandbox.h"

#include <gtest/gtest.h>

#include "sandbox/test_util.h"

namespace mh::sandbox {
namespace {

using testing::ReadFileOrEmpty;
using testing::TempDir;

SandboxConfig Config(const std::string& worktree, const std::string& mount_point = "") {
  SandboxConfig config;
  config.worktree = worktree;
  config.mount_point = mount_point;
  return config;
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
  }

  SandboxedRunner MakeSandboxed(SandboxConfig config) {
    auto sandbox = Sandbox::Create(std::move(config));
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    return SandboxedRunner(*runner_, std::move(sandbox).value());
  }

  ProcessResult RunIn(SandboxedRunner& sandboxed, const std::string& script) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = sandboxed.sandbox().DefaultEnv();
    spec.time_limit = std::chrono::seconds(20);
    Result<ProcessResult> result = sandboxed.Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  std::unique_ptr<RealProcessRunner> runner_;
  TempDir worktree_;
};

TEST_F(SandboxTest, WorktreeIsWritableAtItsOwnPath) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str()));
  ProcessResult result = RunIn(sandboxed, "pwd; echo written > note.txt; mkdir -p a/b");
  EXPECT_TRUE(result.ok()) << result.stderr_text;
  EXPECT_EQ(result.stdout_text, worktree_.str() + "\n");
  EXPECT_EQ(ReadFileOrEmpty(worktree_.path() / "note.txt"), "written\n");
  EXPECT_TRUE(std::filesystem::is_directory(worktree_.path() / "a/b"));
}

TEST_F(SandboxTest, MountsTheWorktreeAtTestbedForReplays) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str(), "/testbed"));
  ProcessResult result = RunIn(sandboxed, "pwd; echo replay > /testbed/out.txt; ls " +
                                              worktree_.str() + " 2>/dev/null || echo hidden");
  EXPECT_TRUE(result.ok()) << result.stderr_text;
  EXPECT_EQ(result.stdout_text, "/testbed\nhidden\n");
  EXPECT_EQ(ReadFileOrEmpty(worktree_.path() / "out.txt"), "replay\n");
}

TEST_F(SandboxTest, SeesOnlyTheGivenEnvironmentAndACleanHome) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str()));
  ProcessSpec spec;
  spec.argv = {"env"};
  spec.env = {"PATH=/usr/bin:/bin", "ONLY=this"};
  Result<ProcessResult> result = sandboxed.Run(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // bwrap's --chdir adds PWD, which names only the directory the command is in.
  EXPECT_EQ(result->stdout_text, "PATH=/usr/bin:/bin\nONLY=this\nPWD=" + worktree_.str() + "\n");
}

TEST_F(SandboxTest, HidesTheHostOutsideSystemDirectories) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str()));
  ProcessResult result = RunIn(sandboxed,
                               "for d in /root /home /work /var/lib /srv; do "
                               "[ -e $d ] && ls -A $d | head -1; done; ls -A /tmp; "
                               "head -c1 /etc/shadow; test -x /usr/bin/git && echo tools");
  EXPECT_TRUE(result.ok()) << result.stderr_text;
  // Only the worktree's own ancestors appear under /tmp.
  std::string expected_tmp = worktree_.path().filename().string();
  EXPECT_EQ(result.stdout_text, expected_tmp + "\ntools\n");
}

TEST_F(SandboxTest, PrivateTmpIsEmptyAndDiscarded) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str(), "/testbed"));
  EXPECT_TRUE(RunIn(sandboxed, "echo scratch > /tmp/scratch").ok());
  ProcessResult second = RunIn(sandboxed, "ls -A /tmp | wc -l");
  EXPECT_EQ(second.stdout_text, "0\n");
}

TEST_F(SandboxTest, RejectsBadConfiguration) {
  EXPECT_EQ(Sandbox::Create(Config("relative")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Sandbox::Create(Config("/no/such/worktree")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Sandbox::Create(Config(worktree_.str(), "testbed")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SandboxTest, ReportsExitCodesFromInside) {
  SandboxedRunner sandboxed = MakeSandboxed(Config(worktree_.str()));
  ProcessResult result = RunIn(sandboxed, "echo failing >&2; exit 7");
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.stderr_text, "failing\n");
}

}  // namespace
}  // namespace mh::sandbox
