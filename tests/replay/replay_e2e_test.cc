// `macrohard solve --model replay:...` end to end: the real binary in a child process, a
// git repository made by the test, commands in bubblewrap with the worktree at the
// recorded cwd (/testbed), and trajectories written by the test in both mini-swe-agent
// formats. The last test records a session against the fake LLM server, stops the
// server and replays the session from the store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "e2e_support.h"
#include "testing/fake_llm_server.h"

namespace {

namespace fs = std::filesystem;
using mh::Json;

using mh::e2e::ReadFile;
using mh::e2e::RunProcess;

// The diff without its "index" lines, whose abbreviated blob ids depend on the repository.
std::string WithoutIndexLines(const std::string& diff) {
  std::istringstream in(diff);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.rfind("index ", 0) != 0) out += line + "\n";
  }
  return out;
}

// What mini-swe-agent records as the submission of the edit the trajectories make.
constexpr const char* kRecordedDiff =
    "diff --git a/hello.py b/hello.py\n"
    "index 0123456..789abcd 100644\n"
    "--- a/hello.py\n"
    "+++ b/hello.py\n"
    "@@ -1,2 +1,2 @@\n"
    "-print('hello')\n"
    "+print('hello world')\n"
    " print('bye')\n";

constexpr const char* kSubmitCommand =
    "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached";

class ReplayTest : public mh::e2e::RepoTest {
 protected:
  void SetUp() override {
    MakeRepo("replay_e2e", {{"hello.py", "print('hello')\nprint('bye')\n"}});
    std::ofstream(dir_ / "task.md") << "Make the greeting say hello world.\n";
  }

  int Solve(const std::string& model, const std::string& session) {
    std::vector<std::string> argv = {
        MH_MACROHARD_PATH,           "solve",   "--repo", repo_.string(), "--task-file",
        (dir_ / "task.md").string(), "--model", model,    "--session-id", session};
    int code = RunProcess(argv, dir_ / "out", dir_ / "err");
    out_ = ReadFile(dir_ / "out");
    err_ = ReadFile(dir_ / "err");
    return code;
  }

  std::string BranchDiff(const std::string& branch) {
    std::string diff;
    EXPECT_EQ(Git({"diff", "main", branch, "--"}, &diff), 0);
    return diff;
  }

  std::string WriteTrajectory(const Json& trajectory) {
    fs::path path = dir_ / "traj.json";
    std::ofstream(path) << mh::DumpJson(trajectory, 2);
    return path.string();
  }

  std::string out_;
  std::string err_;
};

Json Info() {
  return {{"exit_status", "Submitted"},
          {"submission", kRecordedDiff},
          {"config", {{"environment", {{"cwd", "/testbed"}}}}}};
}

Json Msg(const std::string& role, const std::string& content) {
  return {{"role", role}, {"content", content}};
}

std::string Action(const std::string& command) {
  return "THOUGHT: next step.\n\n```bash\n" + command + "\n```";
}

TEST_F(ReplayTest, MiniSweAgent1TrajectoryReproducesTheRecordedDiffInTestbed) {
  // Absolute /testbed paths only work when the worktree is mounted at the recorded cwd;
  // `cd` in one action does not carry over to the next.
  Json messages = {Msg("system", "You are a helpful assistant."),
                   Msg("user", "Fix the greeting."),
                   Msg("assistant", Action("sed -i 's/hello/hello world/' /testbed/hello.py")),
                   Msg("user", "<returncode>0</returncode>\n<output>\n</output>"),
                   Msg("assistant", Action("cd /tmp && pwd")),
                   Msg("user", "<returncode>0</returncode>\n<output>\n/tmp\n</output>"),
                   Msg("assistant", Action("cat hello.py | grep -q 'hello world' && pwd")),
                   Msg("user", "<returncode>0</returncode>\n<output>\n/testbed\n</output>"),
                   Msg("assistant", Action(kSubmitCommand)),
                   Msg("user", kRecordedDiff)};
  std::string path = WriteTrajectory({{"trajectory_format", "mini-swe-agent-1"},
                                      {"instance_id", "demo__greeting-1"},
                                      {"info", Info()},
                                      {"messages", messages}});

  ASSERT_EQ(Solve("replay:" + path, "ses_v1"), 0) << out_ << err_;
  EXPECT_NE(out_.find("step 3  run_command  "), std::string::npos) << out_;
  EXPECT_EQ(out_.find("(error)"), std::string::npos) << "every action succeeded\n" << out_;
  EXPECT_NE(out_.find("step 4  submit"), std::string::npos) << out_;
  EXPECT_NE(out_.find("replay: the diff is identical to the recorded one (1 file, +1 -1)"),
            std::string::npos)
      << out_ << err_;
  EXPECT_EQ(WithoutIndexLines(BranchDiff("macrohard/ses_v1")), WithoutIndexLines(kRecordedDiff));
  std::string subject;
  Git({"log", "-1", "--format=%s", "macrohard/ses_v1"}, &subject);
  EXPECT_EQ(subject, "Replay of demo__greeting-1 (mini-swe-agent-1)\n");
}

TEST_F(ReplayTest, MiniSweAgent11TrajectoryReproducesTheRecordedDiff) {
  auto call = [](const std::string& id, const std::string& command) {
    return Json{
        {"id", id},
        {"type", "function"},
        {"function", {{"name", "bash"}, {"arguments", mh::DumpJson({{"command", command}})}}}};
  };
  Json messages = {
      Msg("system", "sys"),
      Msg("user", "Fix the greeting."),
      {{"role", "assistant"},
       {"content", "Edit and check."},
       {"tool_calls",
        {call("call_1", "sed -i 's/hello/hello world/' hello.py"),
         call("call_2", "cat hello.py")}}},
      {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", ""}},
      {{"role", "tool"}, {"tool_call_id", "call_2"}, {"content", "print('hello world')"}},
      {{"role", "assistant"}, {"content", ""}, {"tool_calls", {call("call_3", kSubmitCommand)}}},
      {{"role", "exit"},
       {"content", ""},
       {"extra", {{"exit_status", "Submitted"}, {"submission", kRecordedDiff}}}}};
  Json info = Info();
  info.erase("submission");  // 1.1 keeps it in the exit message.
  std::string path = WriteTrajectory(
      {{"trajectory_format", "mini-swe-agent-1.1"}, {"info", info}, {"messages", messages}});

  ASSERT_EQ(Solve("replay:" + path, "ses_v11"), 0) << out_ << err_;
  EXPECT_NE(out_.find("step 1  run_command,run_command"), std::string::npos) << out_;
  EXPECT_NE(out_.find("replay: the diff is identical"), std::string::npos) << out_ << err_;
  EXPECT_EQ(WithoutIndexLines(BranchDiff("macrohard/ses_v11")), WithoutIndexLines(kRecordedDiff));
}

TEST_F(ReplayTest, ADifferentOutcomeIsReportedWithADiffstat) {
  Json messages = {Msg("system", "s"), Msg("user", "t"),
                   Msg("assistant", Action("echo extra > notes.txt")),
                   Msg("assistant", Action(kSubmitCommand))};
  std::string path = WriteTrajectory(
      {{"trajectory_format", "mini-swe-agent-1"}, {"info", Info()}, {"messages", messages}});
  ASSERT_EQ(Solve("replay:" + path, "ses_diff"), 0) << out_ << err_;
  EXPECT_NE(out_.find("replay: the diff differs from the recorded one\n"
                      "  recorded: 1 file, +1 -1\n"
                      "  produced: 1 file, +1 -0\n"
                      "  hello.py: recorded +1 -1, produced absent\n"
                      "  notes.txt: recorded absent, produced +1 -0\n"),
            std::string::npos)
      << out_;
  // Then the hunks that differ: the recorded patch of hello.py is missing from the produced.
  EXPECT_NE(out_.find("  --- recorded hello.py\n"
                      "  +++ produced hello.py\n"
                      "  @@ -1,7 +0,0 @@\n"
                      "  -diff --git a/hello.py b/hello.py\n"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("  +++ produced notes.txt\n"), std::string::npos) << out_;
}

TEST_F(ReplayTest, ACommandThatNowExitsDifferentlyIsWarnedAboutAndCounted) {
  Json messages = {Msg("system", "s"),
                   Msg("user", "Fix the greeting."),
                   Msg("assistant", Action("sed -i 's/hello/hello world/' hello.py")),
                   Msg("user", "<returncode>0</returncode>\n<output>\n</output>"),
                   Msg("assistant", Action("test -f setup.py")),
                   Msg("user", "<returncode>0</returncode>\n<output>\n</output>"),
                   Msg("assistant", Action(kSubmitCommand))};
  std::string path = WriteTrajectory(
      {{"trajectory_format", "mini-swe-agent-1"}, {"info", Info()}, {"messages", messages}});
  std::vector<std::string> argv = {MH_MACROHARD_PATH, "solve",   "--repo",
                                   repo_.string(),    "--model", "replay:" + path,
                                   "--session-id",    "ses_rc"};
  ASSERT_EQ(RunProcess(argv, dir_ / "out", dir_ / "err"), 0) << ReadFile(dir_ / "err");
  out_ = ReadFile(dir_ / "out");
  // No --task-file: the task is the recording's. The warning comes between the step lines.
  EXPECT_NE(out_.find("step 2  run_command  "), std::string::npos) << out_;
  EXPECT_NE(out_.find("replay: step 2: exit code 1, recorded exit code 0: test -f setup.py\n"
                      "step 3  submit"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("replay: 1 of 2 commands exited differently from the recording (steps 2)"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("replay: the diff is identical"), std::string::npos) << out_;
}

TEST_F(ReplayTest, BadTrajectoriesAreRefusedBeforeAnythingRuns) {
  std::string path = WriteTrajectory({{"trajectory_format", "swe-agent-2"}, {"messages", {}}});
  EXPECT_EQ(Solve("replay:" + path, "ses_bad"), 2);
  EXPECT_NE(err_.find("unknown trajectory_format 'swe-agent-2'; known formats: mini-swe-agent-1"),
            std::string::npos)
      << err_;
  std::string branches;
  Git({"branch", "--list", "macrohard/*"}, &branches);
  EXPECT_EQ(branches, "") << "no worktree or branch was made";
}

TEST_F(ReplayTest, ARecordedMacrohardSessionReplaysWithoutTheModelServer) {
  Json call_write = {{"name", "write_file"},
                     {"arguments", {{"path", "hello.py"}, {"content", "print('hello world')\n"}}}};
  Json call_run = {{"name", "run_command"}, {"arguments", {{"command", "echo ran >> log.txt"}}}};
  Json call_submit = {{"name", "submit"}, {"arguments", {{"summary", "Greet the world"}}}};
  Json scenario = {{"name", "record"},
                   {"turns",
                    {{{"when", {{"tool_results", 0}}}, {"tool_calls", {call_write}}},
                     {{"when", {{"tool_results", 1}}}, {"tool_calls", {call_run}}},
                     {{"when", {{"tool_results", 2}}}, {"tool_calls", {call_submit}}}}}};
  {
    auto server = mh::testing::FakeLlmServer::Start(mh::DumpJson(scenario), {});
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    ASSERT_EQ(Solve((*server)->base_url() + "/v1#fake-model", "ses_rec"), 0) << out_ << err_;
  }  // The server is gone: the replay cannot reach a model.
  std::string store = (repo_ / ".git" / "macrohard" / "solve.db").string();
  ASSERT_EQ(Solve("replay:" + store + "#ses_rec", "ses_again"), 0) << out_ << err_;
  EXPECT_NE(out_.find("step 2  run_command"), std::string::npos) << out_;
  EXPECT_NE(out_.find("replay: every command exited as recorded (1 compared)"), std::string::npos)
      << out_;
  EXPECT_NE(out_.find("replay: the diff is identical to the recorded one (2 files, +2 -2)"),
            std::string::npos)
      << out_ << err_;
  EXPECT_EQ(BranchDiff("macrohard/ses_again"), BranchDiff("macrohard/ses_rec"));
}

}  // namespace
