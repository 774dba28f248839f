#include "tools/test_workspace.h"

namespace mh::tools::testing {
namespace {

// run_command through the plain process runner: the tool's own behaviour (exit codes,
// output, limits). The same calls through the bubblewrap sandbox are in
// sandboxed_command_test.cc.
class CommandToolTest : public ToolsTest {
 protected:
  void SetUp() override {
    ToolsTest::SetUp();
    ToolContext::Options options;
    options.command_runner = runner_.get();
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
  options.command_runner = runner_.get();
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

}  // namespace
}  // namespace mh::tools::testing
