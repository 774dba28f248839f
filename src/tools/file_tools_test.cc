#include <sys/stat.h>

#include <filesystem>

#include "tools/test_workspace.h"

namespace mh::tools::testing {
namespace {

using FileToolsTest = ToolsTest;

std::string Lines(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

TEST_F(FileToolsTest, ReadFileNumbersLines) {
  WriteFile("a.txt", "alpha\nbeta\n");
  ToolResult result = Call("read_file", R"({"path": "a.txt"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text, "     1\talpha\n     2\tbeta\n");
}

TEST_F(FileToolsTest, ReadFilePagesWithOffsetAndLimit) {
  WriteFile("long.txt", Lines(10));
  ToolResult result = Call("read_file", R"({"path": "long.txt", "offset": 4, "limit": 2})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text,
            "     4\tline 4\n     5\tline 5\n"
            "[showing lines 4-5 of 10; continue with offset=6]\n");
  ToolResult past = Call("read_file", R"({"path": "long.txt", "offset": 11})");
  EXPECT_TRUE(past.is_error);
  EXPECT_NE(past.text.find("past the end"), std::string::npos) << past.text;
  EXPECT_NE(past.text.find("10 lines"), std::string::npos) << past.text;
}

TEST_F(FileToolsTest, ReadFileCapsBytesAndLongLines) {
  ToolContext::Options options;
  options.limits.read_max_bytes = 100;
  options.limits.max_line_chars = 20;
  MakeContext(options);
  WriteFile("big.txt", Lines(50));
  ToolResult result = Call("read_file", R"({"path": "big.txt"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("(output capped at 100 bytes)"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("continue with offset="), std::string::npos);
  WriteFile("wide.txt", std::string(50, 'x') + "\n");
  result = Call("read_file", R"({"path": "wide.txt"})");
  EXPECT_EQ(result.text, "     1\t" + std::string(20, 'x') + "... [30 more characters]\n");
}

TEST_F(FileToolsTest, ReadFileRefusesBinaryAndDirectoriesPolitely) {
  WriteFile("img.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  ToolResult binary = Call("read_file", R"({"path": "img.png"})");
  EXPECT_TRUE(binary.is_error);
  EXPECT_NE(binary.text.find("binary"), std::string::npos) << binary.text;
  std::filesystem::create_directories(root_ / "dir");
  ToolResult dir = Call("read_file", R"({"path": "dir"})");
  EXPECT_TRUE(dir.is_error);
  EXPECT_NE(dir.text.find("is a directory"), std::string::npos) << dir.text;
  ToolResult missing = Call("read_file", R"({"path": "nope.txt"})");
  EXPECT_TRUE(missing.is_error);
  EXPECT_NE(missing.text.find("no such file"), std::string::npos) << missing.text;
  WriteFile("empty.txt", "");
  EXPECT_EQ(Call("read_file", R"({"path": "empty.txt"})").text, "(the file 'empty.txt' is empty)");
}

TEST_F(FileToolsTest, WriteFileCreatesParentsAndReportsSize) {
  ToolResult result = Call("write_file", R"({"path": "a/b/c.txt", "content": "x\ny\n"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text, "created 'a/b/c.txt' (4 bytes, 2 lines)");
  EXPECT_EQ(ReadFile("a/b/c.txt"), "x\ny\n");
  ToolResult under_file = Call("write_file", R"({"path": "a/b/c.txt/d", "content": ""})");
  EXPECT_TRUE(under_file.is_error);
  EXPECT_NE(under_file.text.find("is a file, not a directory"), std::string::npos)
      << under_file.text;
  result = Call("write_file", R"({"path": "a/b/c.txt", "content": ""})");
  EXPECT_EQ(result.text, "overwrote 'a/b/c.txt' (0 bytes, 0 lines)");
  EXPECT_EQ(ReadFile("a/b/c.txt"), "");
}

TEST_F(FileToolsTest, WriteFileKeepsModeAndLeavesNoTempFiles) {
  WriteFile("run.sh", "#!/bin/sh\n");
  std::filesystem::permissions(root_ / "run.sh", std::filesystem::perms(0755));
  ASSERT_FALSE(
      Call("write_file", R"({"path": "run.sh", "content": "#!/bin/sh\necho hi\n"})").is_error);
  struct stat st;
  ASSERT_EQ(stat((root_ / "run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(FileToolsTest, EditFileReplacesAUniqueMatchAndShowsTheResult) {
  WriteFile("m.py", "def f():\n    return 1\n\ndef g():\n    return 2\n");
  ToolResult result =
      Call("edit_file", R"({"path": "m.py", "old_text": "return 1", "new_text": "return 10"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(ReadFile("m.py"), "def f():\n    return 10\n\ndef g():\n    return 2\n");
  EXPECT_NE(result.text.find("replaced 1 occurrence in 'm.py'"), std::string::npos);
  EXPECT_NE(result.text.find("     2\t    return 10"), std::string::npos) << result.text;
}

TEST_F(FileToolsTest, EditFileSaysHowOftenAnAmbiguousTextOccurs) {
  WriteFile("m.py", "x = 1\ny = 2\nx = 1\nx = 1\n");
  ToolResult result =
      Call("edit_file", R"({"path": "m.py", "old_text": "x = 1", "new_text": "x = 3"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("found 3 times"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("lines 1, 3, 4"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("add surrounding context"), std::string::npos) << result.text;
  EXPECT_EQ(ReadFile("m.py"), "x = 1\ny = 2\nx = 1\nx = 1\n");
  result =
      Call("edit_file",
           R"({"path": "m.py", "old_text": "x = 1", "new_text": "x = 3", "replace_all": true})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("replaced 3 occurrences"), std::string::npos);
  EXPECT_EQ(ReadFile("m.py"), "x = 3\ny = 2\nx = 3\nx = 3\n");
}

TEST_F(FileToolsTest, EditFileReportsNoMatchAndNoOpEdits) {
  WriteFile("m.py", "    indented\n");
  ToolResult result =
      Call("edit_file", R"({"path": "m.py", "old_text": "  indented\t", "new_text": "x"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("found 0 times"), std::string::npos) << result.text;
  result = Call("edit_file", R"({"path": "m.py", "old_text": "indented", "new_text": "indented"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("the same"), std::string::npos) << result.text;
  result = Call("edit_file", R"({"path": "m.py", "old_text": "", "new_text": "x"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(result.text, "edit_file: argument 'old_text' must not be empty");
  result = Call("edit_file", R"({"path": "gone.py", "old_text": "a", "new_text": "b"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("no such file"), std::string::npos) << result.text;
  EXPECT_EQ(ReadFile("m.py"), "    indented\n");
}

}  // namespace
}  // namespace mh::tools::testing
