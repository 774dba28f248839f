// Path safety: every way out of the worktree is refused, for reads and writes.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tools/test_workspace.h"

namespace mh::tools::testing {
namespace {

class PathSafetyTest : public ToolsTest {
 protected:
  void ExpectRefused(const std::string& path) {
    std::string args = "{\"path\": " + Json(path).dump() + "}";
    ToolResult read = Call("read_file", args);
    EXPECT_TRUE(read.is_error) << path << ": " << read.text;
    EXPECT_NE(read.text.find("outside the workspace"), std::string::npos) << read.text;
    ToolResult write =
        Call("write_file", "{\"path\": " + Json(path).dump() + ", \"content\": \"owned\"}");
    EXPECT_TRUE(write.is_error) << path << ": " << write.text;
  }
};

TEST_F(PathSafetyTest, RelativeAndAbsolutePathsInsideAreAccepted) {
  WriteFile("src/a.py", "print(1)\n");
  EXPECT_FALSE(Call("read_file", R"({"path": "src/a.py"})").is_error);
  EXPECT_FALSE(Call("read_file", R"({"path": "./src/../src/a.py"})").is_error);
  std::string abs = (root_ / "src/a.py").string();
  ToolResult result = Call("read_file", "{\"path\": \"" + abs + "\"}");
  EXPECT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("print(1)"), std::string::npos);
}

TEST_F(PathSafetyTest, SandboxMountPathMapsToTheWorktree) {
  ToolContext::Options options;
  options.workspace.mount_path = "/testbed/";
  MakeContext(options);
  WriteFile("pkg/x.py", "x = 1\n");
  ToolResult read = Call("read_file", R"({"path": "/testbed/pkg/x.py"})");
  EXPECT_FALSE(read.is_error) << read.text;
  EXPECT_NE(read.text.find("x = 1"), std::string::npos);
  ToolResult write = Call("write_file", R"({"path": "/testbed/pkg/y.py", "content": "y"})");
  EXPECT_FALSE(write.is_error) << write.text;
  EXPECT_EQ(ReadFile("pkg/y.py"), "y");
  ExpectRefused("/testbedx/pkg/x.py");
}

TEST_F(PathSafetyTest, DotDotOutsideIsRefused) {
  std::ofstream(dir_ / "secret.txt") << "top secret";
  ExpectRefused("../secret.txt");
  ExpectRefused("src/../../secret.txt");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "owned"));
}

TEST_F(PathSafetyTest, AbsolutePathsOutsideAreRefused) {
  ExpectRefused("/etc/passwd");
  ExpectRefused("/proc/self/root/etc/passwd");
  ExpectRefused((dir_ / "secret.txt").string());
}

TEST_F(PathSafetyTest, SymlinksLeadingOutsideAreRefused) {
  std::ofstream(dir_ / "secret.txt") << "top secret";
  std::filesystem::create_symlink("/etc", root_ / "etc_link");
  std::filesystem::create_symlink(dir_ / "secret.txt", root_ / "secret_link");
  std::filesystem::create_symlink("/proc/self/root", root_ / "proc_root");
  std::filesystem::create_directory_symlink(dir_, root_ / "up");
  ExpectRefused("etc_link/passwd");
  ExpectRefused("secret_link");
  ExpectRefused("proc_root/etc/passwd");
  ExpectRefused("up/new_file.txt");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "new_file.txt"));
  std::ifstream in(dir_ / "secret.txt");
  std::string secret;
  std::getline(in, secret);
  EXPECT_EQ(secret, "top secret");
}

TEST_F(PathSafetyTest, SymlinkInsideIsFollowedAndWritesKeepIt) {
  WriteFile("real.txt", "one\n");
  std::filesystem::create_symlink("real.txt", root_ / "alias.txt");
  ToolResult read = Call("read_file", R"({"path": "alias.txt"})");
  EXPECT_FALSE(read.is_error) << read.text;
  ToolResult write = Call("write_file", R"({"path": "alias.txt", "content": "two\n"})");
  EXPECT_FALSE(write.is_error) << write.text;
  EXPECT_EQ(ReadFile("real.txt"), "two\n");
  EXPECT_TRUE(std::filesystem::is_symlink(root_ / "alias.txt"));
}

TEST_F(PathSafetyTest, WritesIntoGitAreRefused) {
  WriteFile(".git/config", "[core]\n");
  ToolResult write = Call("write_file", R"({"path": ".git/hooks/pre-commit", "content": "x"})");
  EXPECT_TRUE(write.is_error);
  EXPECT_NE(write.text.find(".git"), std::string::npos) << write.text;
  EXPECT_TRUE(Call("edit_file", R"({"path": ".git/config", "old_text": "core", "new_text": "x"})")
                  .is_error);
  EXPECT_EQ(ReadFile(".git/config"), "[core]\n");
  // Reading git internals is allowed.
  EXPECT_FALSE(Call("read_file", R"({"path": ".git/config"})").is_error);
}

TEST_F(PathSafetyTest, EmptyPathAndRootWriteAreRefused) {
  EXPECT_TRUE(Call("read_file", R"({"path": ""})").is_error);
  EXPECT_TRUE(Call("write_file", R"({"path": ".", "content": "x"})").is_error);
}

}  // namespace
}  // namespace mh::tools::testing
