// Workspaces are real checkouts: git works inside the sandbox, the agent's commits are
// kept, junk is left out, and nothing inside reaches the repository's refs or the host.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sandbox/sandbox.h"
#include "sandbox/test_util.h"
#include "sandbox/worktree.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::TempDir;

const GitIdentity kSystem{"Macrohard", "macrohard@localhost"};

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
    repo_ = dir_.path() / "repo";
    ProcessResult init = Host(
        "git init -q -b main repo && cd repo && printf 'one\\ntwo\\n' > a.txt && "
        "mkdir src && echo 'print(1)' > src/m.py && git add . && "
        "git -c user.name=Setup -c user.email=setup@example.com commit -qm init && "
        "git tag v0.0.1",
        dir_.str());
    ASSERT_TRUE(init.ok()) << init.stderr_text;
    auto manager = WorktreeManager::Create(*runner_, repo_.string(), (dir_.path() / "ws").string());
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    manager_ = std::move(manager).value();
    Result<Worktree> added = manager_->Add("s1", "agent/s1", "main");
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    ws_ = *added;
  }

  ProcessResult Host(const std::string& script, const std::string& cwd) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.str(), "GIT_CONFIG_NOSYSTEM=1"};
    spec.cwd = cwd;
    Result<ProcessResult> result = runner_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  // Runs `script` as the agent does: in the sandbox over the workspace, at /testbed.
  ProcessResult Agent(const std::string& script) {
    SandboxConfig config;
    config.worktree = ws_.path;
    config.mount_point = "/testbed";
    config.extra_read_only = WorkspaceReadOnlyPaths(ws_);
    auto sandbox = Sandbox::Create(config);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    SandboxedRunner sandboxed(*runner_, std::move(sandbox).value());
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = sandboxed.sandbox().DefaultEnv();
    spec.time_limit = std::chrono::seconds(30);
    Result<ProcessResult> result = sandboxed.Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  std::string RepoGit(const std::string& args) {
    return Host("git " + args, repo_.string()).stdout_text;
  }

  TempDir dir_;
  fs::path repo_;
  std::unique_ptr<RealProcessRunner> runner_;
  std::unique_ptr<WorktreeManager> manager_;
  Worktree ws_;
};

TEST_F(WorkspaceTest, GitWorksInsideAsInADevelopersCheckout) {
  ProcessResult result = Agent(R"(set -e
git status --short --branch | head -1
sed -i s/one/uno/ a.txt
git diff --stat | tail -1
git stash -q && cat a.txt | head -1
git stash pop -q && head -1 a.txt
git checkout -- a.txt && head -1 a.txt
echo scratch > a.txt && git restore a.txt && head -1 a.txt
git log --oneline | wc -l
git show --stat HEAD | grep -c a.txt
git blame a.txt | wc -l
git branch -q experiment && git branch --list experiment
echo new > new.txt && git add new.txt && git commit -qm 'agent commit' && git log -1 --format=%s
git reset -q --hard HEAD~1 && test ! -e new.txt && echo reset
git log --oneline origin/main | wc -l
git tag --list
)");
  EXPECT_EQ(result.stdout_text,
            "## agent/s1\n 1 file changed, 1 insertion(+), 1 deletion(-)\none\nuno\none\none\n"
            "1\n1\n2\n  experiment\nagent commit\nreset\n1\nv0.0.1\n")
      << result.stderr_text;
}

TEST_F(WorkspaceTest, SubmitKeepsTheAgentsCommitsAndAddsWhatIsUncommitted) {
  ProcessResult made = Agent(
      "echo first > first.txt && git add first.txt && git commit -qm 'agent: first' && "
      "echo second > second.txt");
  ASSERT_TRUE(made.ok()) << made.stderr_text;
  Result<CommitOutcome> outcome = manager_->CommitAll(ws_, "system: the rest", kSystem);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->committed);
  EXPECT_EQ(RepoGit("log --format=%s main..agent/s1"), "system: the rest\nagent: first\n");
  EXPECT_EQ(RepoGit("show agent/s1:second.txt"), "second\n");
  Result<std::vector<std::string>> changed = manager_->ChangedFiles("main", "agent/s1");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, (std::vector<std::string>{"A\tfirst.txt", "A\tsecond.txt"}));
}

TEST_F(WorkspaceTest, AnAgentCommitAloneCountsAsAChange) {
  ASSERT_TRUE(Agent("echo x > x.txt && git add x.txt && git commit -qm mine").ok());
  Result<CommitOutcome> outcome = manager_->CommitAll(ws_, "nothing more", kSystem);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->committed);
  EXPECT_EQ(RepoGit("log --format=%s main..agent/s1"), "mine\n");
  // Submitting again with nothing new moves nothing.
  outcome = manager_->CommitAll(ws_, "again", kSystem);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->committed);
}

TEST_F(WorkspaceTest, BuildJunkIsNeverCommittedUnlessTheRepositorySaysSo) {
  ASSERT_TRUE(Agent("mkdir -p src/__pycache__ node_modules/x build && "
                    "echo b > src/__pycache__/m.cpython-311.pyc && echo j > node_modules/x/i.js && "
                    "echo r > build/report.txt && echo fix > src/m.py && "
                    "printf '!build/\\n' > .gitignore")
                  .ok());
  Result<CommitOutcome> outcome = manager_->CommitAll(ws_, "fix", kSystem);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  Result<std::vector<std::string>> changed = manager_->ChangedFiles("main", "agent/s1");
  ASSERT_TRUE(changed.ok());
  // The repository's own rule (!build/) wins over the defaults; the rest stays out.
  EXPECT_EQ(*changed,
            (std::vector<std::string>{"A\t.gitignore", "A\tbuild/report.txt", "M\tsrc/m.py"}));
  Result<std::vector<std::string>> ignored = manager_->IgnoredFiles(ws_);
  ASSERT_TRUE(ignored.ok()) << ignored.status().ToString();
  EXPECT_EQ(*ignored, (std::vector<std::string>{"node_modules/", "src/__pycache__/"}));
}

TEST_F(WorkspaceTest, NothingInsideCanChangeTheRepositorysRefs) {
  std::string main_before = RepoGit("rev-parse main");
  std::string objects = ws_.common_dir + "/objects";
  ProcessResult attack = Agent(
      "echo evil > evil.txt && git add evil.txt && git commit -qm evil; "
      "git push -q origin HEAD:main; echo push=$?; "
      "git push -q " +
      repo_.string() +
      " HEAD:refs/heads/main; echo path=$?; "
      "touch " +
      objects +
      "/pwn; echo objects=$?; "
      "git --git-dir=" +
      ws_.common_dir + " update-ref refs/heads/main HEAD; echo ref=$?");
  EXPECT_NE(attack.stdout_text.find("push=1"), std::string::npos) << attack.stdout_text;
  EXPECT_NE(attack.stdout_text.find("objects=1"), std::string::npos) << attack.stdout_text;
  EXPECT_EQ(attack.stdout_text.find("=0"), std::string::npos) << attack.stdout_text;
  EXPECT_EQ(RepoGit("rev-parse main"), main_before);
  EXPECT_FALSE(fs::exists(objects + "/pwn"));
  // Submitting moves only the session's own branch.
  ASSERT_TRUE(manager_->CommitAll(ws_, "submit", kSystem).ok());
  EXPECT_EQ(RepoGit("rev-parse main"), main_before);
  EXPECT_EQ(RepoGit("tag --list"), "v0.0.1\n");
}

TEST_F(WorkspaceTest, TheWorkspacesGitConfigNeverRunsOnTheHost) {
  fs::path marker = dir_.path() / "ran-on-host";
  // A filter driver and an fsmonitor hook that would write to the host if the system ran
  // git there with the workspace's configuration.
  ProcessResult planted = Agent("git config filter.evil.clean 'touch " + marker.string() +
                                "; cat' && "
                                "git config core.fsmonitor 'touch " +
                                marker.string() +
                                "' && "
                                "echo '* filter=evil' > .gitattributes && echo change > a.txt");
  ASSERT_TRUE(planted.ok()) << planted.stderr_text;
  Result<CommitOutcome> outcome = manager_->CommitAll(ws_, "submit", kSystem);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  Result<std::string> diff = manager_->Diff(ws_);
  ASSERT_TRUE(diff.ok());
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(RepoGit("show agent/s1:a.txt"), "change\n");
}

TEST_F(WorkspaceTest, ABrokenRepositoryIsAClearError) {
  ASSERT_TRUE(Agent("rm -rf .git").ok());
  Result<CommitOutcome> outcome = manager_->CommitAll(ws_, "submit", kSystem);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("not a git repository"), std::string::npos)
      << outcome.status().ToString();
}

TEST_F(WorkspaceTest, FilesTheAgentMakesAreOwnedByUsOnTheHost) {
  ASSERT_TRUE(Agent("echo hi > mine.txt && git add mine.txt").ok());
  struct stat st {};
  ASSERT_EQ(stat((fs::path(ws_.path) / "mine.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
  ASSERT_EQ(stat((fs::path(ws_.git_dir) / "index").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
}

}  // namespace
}  // namespace mh::sandbox

namespace mh::sandbox {
namespace {

TEST_F(WorkspaceTest, CommitCanBeLimitedToNamedPaths) {
  ASSERT_TRUE(Agent("echo fix > src/m.py && echo s > scratch.py && echo t > a.txt").ok());
  Result<CommitOutcome> outcome = manager_->CommitAll(
      ws_, "only the fix", kSystem, std::vector<std::string>{"src/m.py", "missing.txt"});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->committed);
  Result<std::vector<std::string>> changed = manager_->ChangedFiles("main", "agent/s1");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, (std::vector<std::string>{"M\tsrc/m.py"}));
  Result<std::vector<std::string>> left = manager_->UncommittedFiles(ws_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, (std::vector<std::string>{"a.txt", "scratch.py"}));
}

}  // namespace
}  // namespace mh::sandbox
