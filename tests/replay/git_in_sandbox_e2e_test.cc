// What real agents do with git, replayed: undo an edit with `git checkout FILE` and redo it
// differently (a recorded SWE-bench run of django__django-15127 does this with
// django/contrib/messages/storage/base.py), set an edit aside with `git stash` to check the
// original, look at `git diff`. Trajectories written by the test, in mini-swe-agent-1
// format with recorded exit codes. Every test here needs git inside the sandbox and skips,
// saying so, until the workspace is a repository of its own inside the mount (issue 9).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "e2e_support.h"
#include "replay_support.h"

namespace {

using mh::Json;
using mh::e2e::ReadFile;
using mh::e2e::RunProcess;
using mh::replay_e2e::GitWorksInSandbox;
using mh::replay_e2e::kGitDependency;

// The recorded submission of every run here: only the second edit.
constexpr const char* kSubmission =
    "diff --git a/hello.py b/hello.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/hello.py\n"
    "+++ b/hello.py\n"
    "@@ -1,2 +1,2 @@\n"
    "-print('hello')\n"
    "+print('hello, world')\n"
    " print('bye')\n";

class GitInSandboxTest : public mh::e2e::RepoTest {
 protected:
  void SetUp() override {
    if (!GitWorksInSandbox()) GTEST_SKIP() << kGitDependency;
    MakeRepo("replay_git", {{"hello.py", "print('hello')\nprint('bye')\n"}});
  }

  // A mini-swe-agent-1 run of `commands`, each recorded as exiting 0, then the submit.
  int Replay(const std::vector<std::string>& commands) {
    Json messages = {{{"role", "system"}, {"content", "s"}},
                     {{"role", "user"}, {"content", "Greet the world, with a comma."}}};
    for (const std::string& command : commands) {
      messages.push_back({{"role", "assistant"}, {"content", "```bash\n" + command + "\n```"}});
      messages.push_back(
          {{"role", "user"}, {"content", "<returncode>0</returncode>\n<output>\n</output>"}});
    }
    messages.push_back(
        {{"role", "assistant"},
         {"content",
          "```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff "
          "--cached\n```"}});
    Json t = {{"trajectory_format", "mini-swe-agent-1"},
              {"info", {{"submission", kSubmission}}},
              {"messages", messages}};
    std::ofstream(dir_ / "t.json") << mh::DumpJson(t);
    int code = RunProcess({MH_MACROHARD_PATH, "solve", "--repo", repo_.string(), "--model",
                           "replay:" + (dir_ / "t.json").string(), "--session-id", "ses_git"},
                          dir_ / "out", dir_ / "err");
    out_ = ReadFile(dir_ / "out");
    return code;
  }

  bool Has(const std::string& text) const { return out_.find(text) != std::string::npos; }

  std::string out_;
};

TEST_F(GitInSandboxTest, UndoingAnEditWithGitCheckoutThenRedoingItReproducesTheSubmission) {
  ASSERT_EQ(Replay({"sed -i 's/hello/hello world/' hello.py", "git diff --stat",
                    "git checkout hello.py", "sed -i \"s/'hello'/'hello, world'/\" hello.py"}),
            0)
      << out_;
  EXPECT_TRUE(Has("replay: every command exited as recorded (4 compared)")) << out_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +1 -1)")) << out_;
}

TEST_F(GitInSandboxTest, StashingAnEditToCheckTheOriginalKeepsTheEdit) {
  ASSERT_EQ(Replay({"sed -i \"s/'hello'/'hello, world'/\" hello.py", "git stash",
                    "grep -qx \"print('hello')\" hello.py", "git stash pop", "git status --short"}),
            0)
      << out_;
  EXPECT_TRUE(Has("replay: every command exited as recorded (5 compared)")) << out_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +1 -1)")) << out_;
}

TEST_F(GitInSandboxTest, RestoringAFileWithGitRestoreReproducesTheSubmission) {
  ASSERT_EQ(Replay({"echo broken > hello.py", "git restore hello.py",
                    "sed -i \"s/'hello'/'hello, world'/\" hello.py"}),
            0)
      << out_;
  EXPECT_TRUE(Has("replay: every command exited as recorded (3 compared)")) << out_;
  EXPECT_TRUE(Has("replay: the diff is identical to the recorded one (1 file, +1 -1)")) << out_;
}

}  // namespace
