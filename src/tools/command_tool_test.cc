#include <unistd.h>

#include <fstream>
#include <optional>

#include "sandbox/sandbox.h"
#include "tools/test_workspace.h"

namespace mh::tools::testing {
namespace {

// run_command through the plain process runner: the tool's own behaviour (exit codes,
// output, limits). SandboxedCommandTest below runs it through bubblewrap.
class CommandToolTest : public ToolsTest {
 protected:
  void SetUp() override {
    ToolsTest::SetUp();
    ToolContext::Options options;
    options.command_runner = runner_;
    MakeContext(options);
  }
};

TEST_F(CommandToolTest, ReportsExitCodeAndOutputFromTheWorktree) {
  WriteFile("hello.txt", "hi there\n");
  ToolResult result = Call("run_command", R"({"command": "cat hello.txt; echo err >&2"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text.rfind("exit code 0 after ", 0), 0u) << result.text;
  EXPECT_NE(result.text.find("\nhi there\nerr\n"), std::string::npos) << result.text;
  result = Call("run_command", R"({"command": "exit 3"})");
  EXPECT_FALSE(result.is_error);
  EXPECT_EQ(result.text.rfind("exit code 3 after ", 0), 0u) << result.text;
  EXPECT_NE(result.text.find("(no output)"), std::string::npos);
}

TEST_F(CommandToolTest, CommandsDoNotSeeOurEnvironment) {
  setenv("MH_TOOLS_TEST_SECRET", "do-not-leak-1234", 1);
  ToolResult result = Call("run_command", R"({"command": "env"})");
  unsetenv("MH_TOOLS_TEST_SECRET");
  EXPECT_EQ(result.text.find("do-not-leak"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("PATH="), std::string::npos);
}

TEST_F(CommandToolTest, TruncatesLongOutputKeepingHeadAndTail) {
  ToolContext::Options options;
  options.limits.output_head_bytes = 100;
  options.limits.output_tail_bytes = 100;
  options.command_runner = runner_;
  MakeContext(options);
  ToolResult result = Call("run_command", R"({"command": "echo START; seq 1 20000; echo END"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("START"), std::string::npos);
  EXPECT_NE(result.text.find("END"), std::string::npos);
  EXPECT_NE(result.text.find("bytes elided"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("[output truncated: "), std::string::npos) << result.text;
  EXPECT_LT(result.text.size(), 800u);
}

TEST_F(CommandToolTest, TimeOutIsReportedAsSuch) {
  ToolResult result = Call("run_command", R"({"command": "echo before; sleep 30", "timeout": 1})");
  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(result.text.rfind("run_command: timed out after 1 s", 0), 0u) << result.text;
  EXPECT_NE(result.text.find("before"), std::string::npos) << result.text;
}

TEST_F(CommandToolTest, TimeoutAboveTheMaximumIsRefused) {
  ToolResult result = Call("run_command", R"({"command": "true", "timeout": 100000})");
  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(result.text, "run_command: timeout must be at most 600 seconds, got 100000");
}

TEST_F(CommandToolTest, WithoutASandboxRunCommandRefuses) {
  MakeContext({});
  ToolResult result = Call("run_command", R"({"command": "true"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("not available"), std::string::npos);
}

// run_command through the real sandbox (bubblewrap), with the worktree at /testbed, as
// an agent session runs it.
class SandboxedCommandTest : public ToolsTest {
 protected:
  void SetUp() override {
    ToolsTest::SetUp();
    if (access("/usr/bin/bwrap", X_OK) != 0) GTEST_SKIP() << "bwrap is not installed";
    sandbox::SandboxConfig config;
    config.worktree = root_.string();
    config.mount_point = "/testbed";
    auto made = sandbox::Sandbox::Create(config);
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    sandboxed_.emplace(*runner_, std::move(*made));
    ToolContext::Options options;
    options.workspace.mount_path = "/testbed";
    options.command_runner = &*sandboxed_;
    MakeContext(options);
  }
  void TearDown() override {
    ToolsTest::TearDown();
    sandboxed_.reset();
  }

  std::optional<sandbox::SandboxedRunner> sandboxed_;
};

TEST_F(SandboxedCommandTest, RunsInTheWorktreeAtTheMountPoint) {
  WriteFile("app.py", "print('from app')\n");
  ToolResult result = Call("run_command", R"({"command": "pwd; cat app.py; echo made > out.txt"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("\n/testbed\nprint('from app')\n"), std::string::npos) << result.text;
  EXPECT_EQ(ReadFile("out.txt"), "made\n");
  // What a command wrote is there for the file tools, by either path.
  ToolResult read = Call("read_file", R"({"path": "/testbed/out.txt"})");
  EXPECT_EQ(read.text, "     1\tmade\n");
}

TEST_F(SandboxedCommandTest, TheHostOutsideTheWorktreeIsNotReachable) {
  std::ofstream(dir_ / "outside.txt") << "host file";
  std::string command = "cat " + (dir_ / "outside.txt").string() + "; echo > /usr/owned";
  ToolResult result = Call("run_command", Json{{"command", command}}.dump());
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text.find("host file"), std::string::npos) << result.text;
  EXPECT_EQ(result.text.rfind("exit code 1", 0), 0u) << result.text;
  EXPECT_FALSE(std::filesystem::exists("/usr/owned"));
}

TEST_F(SandboxedCommandTest, TimeOutKillsTheCommand) {
  ToolResult result = Call("run_command", R"({"command": "sleep 30 & sleep 30", "timeout": 1})");
  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(result.text.rfind("run_command: timed out after 1 s", 0), 0u) << result.text;
}

}  // namespace
}  // namespace mh::tools::testing
