// The bash tool through the registry, in the bubblewrap sandbox.
#include "terminal/bash_tool.h"

#include <chrono>

#include "terminal/terminal_test_util.h"

namespace mh::terminal {

// Runs bash commands through the registry.
class BashToolTest : public testing::TerminalToolsTest {
 public:
  tools::ToolResult Run(const std::string& command, int timeout = 20) {
    Json args = {{"command", command}, {"timeout", timeout}};
    return registry_.Call("bash", args.dump(), *ctx_);
  }
};

namespace {

TEST_F(BashToolTest, CwdVariablesAndExitCodesPersist) {
  auto first = Run("mkdir -p sub && cd sub && export GREETING=hello; pwd");
  ASSERT_FALSE(first.is_error) << first.text;
  EXPECT_EQ(first.text.rfind("exit code 0", 0), 0u) << first.text;
  EXPECT_NE(first.text.find(root_.string() + "/sub\n"), std::string::npos) << first.text;
  auto second = Run("echo $GREETING from $(basename $PWD); false");
  EXPECT_EQ(second.text.rfind("exit code 1", 0), 0u) << second.text;
  EXPECT_NE(second.text.find("hello from sub\n"), std::string::npos) << second.text;
  auto third = Run("(exit 7)");
  EXPECT_EQ(third.text.rfind("exit code 7", 0), 0u) << third.text;
  EXPECT_NE(third.text.find("(no output)"), std::string::npos);
}

TEST_F(BashToolTest, StdinIsEmptyAndSentinelCannotBeSpoofed) {
  auto cat = Run("cat; echo done-$?");
  EXPECT_NE(cat.text.find("done-0"), std::string::npos) << cat.text;
  auto spoof =
      Run("printf '\\n__MH_DONE_0000000000000000_0\\n'; echo $__mh_nonce; sleep 0.2; "
          "echo still-here");
  EXPECT_NE(spoof.text.find("still-here"), std::string::npos) << spoof.text;
  auto syntax = Run("echo 'unclosed");
  EXPECT_EQ(syntax.text.rfind("exit code 2", 0), 0u) << syntax.text;
  auto next = Run("echo next");  // The shell survived the syntax error.
  EXPECT_EQ(next.text.rfind("exit code 0", 0), 0u) << next.text;
  EXPECT_EQ(next.text.substr(next.text.find('\n')), "\nnext\n");
}

TEST_F(BashToolTest, HangingCommandIsInterruptedWithinItsLimit) {
  Run("cd /tmp && X=kept");
  auto start = std::chrono::steady_clock::now();
  auto hung = Run("sleep 100", 1);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(hung.is_error);
  EXPECT_NE(hung.text.find("timed out after 1s: interrupted with C-c"), std::string::npos)
      << hung.text;
  EXPECT_NE(hung.text.find("exit code 130 after"), std::string::npos) << hung.text;
  EXPECT_LT(took, std::chrono::seconds(3));
  auto next = Run("echo $X in $PWD");
  EXPECT_NE(next.text.find("kept in /tmp"), std::string::npos) << next.text;
}

TEST_F(BashToolTest, CommandIgnoringInterruptRestartsTheShell) {
  Run("cd /tmp");
  auto hung = Run("trap '' INT; while :; do sleep 0.05; done", 1);
  EXPECT_TRUE(hung.is_error);
  EXPECT_NE(hung.text.find("timed out after 1s and did not stop on C-c; the shell was restarted: "
                           "cwd and variables were reset"),
            std::string::npos)
      << hung.text;
  auto next = Run("pwd");
  EXPECT_NE(next.text.find(root_.string() + "\n"), std::string::npos) << next.text;
  auto exited = Run("exit 3");
  EXPECT_NE(exited.text.find("the shell exited"), std::string::npos) << exited.text;
  EXPECT_EQ(Run("echo again").text.find("again") != std::string::npos, true);
}

TEST_F(BashToolTest, BigOutputKeepsHeadAndTail) {
  auto big = Run("seq 1 200000");
  ASSERT_FALSE(big.is_error);
  EXPECT_NE(big.text.find("\n1\n2\n3\n"), std::string::npos);
  EXPECT_NE(big.text.find("199999\n200000\n"), std::string::npos);
  EXPECT_NE(big.text.find("bytes elided"), std::string::npos);
  EXPECT_NE(big.text.find("[output truncated: 1288895 bytes in all"), std::string::npos)
      << big.text.substr(big.text.size() - 300);
  EXPECT_LT(big.text.size(), 40u * 1024);
}

TEST_F(BashToolTest, WritesOutsideTheWorktreeFail) {
  // /tmp inside is a private tmpfs: a write there never reaches the host's /tmp.
  std::filesystem::path outside = dir_ / "outside.txt";
  auto result = Run("echo x > " + outside.string() + "; echo x > /etc/mh-terminal-test");
  EXPECT_EQ(result.text.rfind("exit code 1", 0), 0u) << result.text;
  EXPECT_NE(result.text.find("Read-only file system"), std::string::npos) << result.text;
  EXPECT_FALSE(std::filesystem::exists(outside));
  EXPECT_FALSE(std::filesystem::exists("/etc/mh-terminal-test"));
}

}  // namespace
}  // namespace mh::terminal
