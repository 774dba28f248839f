#include <filesystem>

#include "tools/test_workspace.h"

namespace mh::tools::testing {
namespace {

class FindToolsTest : public ToolsTest {
 protected:
  void SetUp() override {
    ToolsTest::SetUp();
    WriteFile("README.md", "# demo\n");
    WriteFile("src/main.py", "import util\n\ndef main():\n    util.run()\n");
    WriteFile("src/util.py", "def run():\n    print('TODO: run')\n");
    WriteFile("src/deep/er/x.py", "# TODO later\n");
    WriteFile("tests/test_main.py", "def test_main():\n    assert True\n");
    WriteFile(".git/HEAD", "ref: refs/heads/main TODO\n");
  }
};

TEST_F(FindToolsTest, ListFilesShowsATreeToADepthWithoutGit) {
  ToolResult result = Call("list_files", R"({})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_EQ(result.text,
            "README.md\nsrc/\nsrc/deep/\nsrc/main.py\nsrc/util.py\ntests/\ntests/test_main.py\n");
  result = Call("list_files", R"({"path": "src", "depth": 1})");
  EXPECT_EQ(result.text, "src/deep/\nsrc/main.py\nsrc/util.py\n");
}

TEST_F(FindToolsTest, ListFilesShowsSymlinksWithoutFollowingThem) {
  std::filesystem::create_directory_symlink("/etc", root_ / "etc");
  ToolResult result = Call("list_files", R"({"depth": 3})");
  EXPECT_NE(result.text.find("etc -> /etc\n"), std::string::npos) << result.text;
  EXPECT_EQ(result.text.find("passwd"), std::string::npos) << result.text;
}

TEST_F(FindToolsTest, ListFilesCapsEntriesAndRefusesFiles) {
  ToolContext::Options options;
  options.limits.max_list_entries = 3;
  MakeContext(options);
  ToolResult result = Call("list_files", R"({"depth": 5})");
  EXPECT_EQ(result.text,
            "README.md\nsrc/\nsrc/deep/\n[listing capped at 3 entries; list a subdirectory or "
            "use a smaller depth]\n");
  ToolResult file = Call("list_files", R"({"path": "README.md"})");
  EXPECT_TRUE(file.is_error);
  EXPECT_NE(file.text.find("not a directory"), std::string::npos);
  EXPECT_TRUE(Call("list_files", R"({"path": "nope"})").is_error);
}

TEST_F(FindToolsTest, FindFilesMatchesNamesAnywhereOrPaths) {
  EXPECT_EQ(Call("find_files", R"({"pattern": "*.py"})").text,
            "src/deep/er/x.py\nsrc/main.py\nsrc/util.py\ntests/test_main.py\n");
  EXPECT_EQ(Call("find_files", R"({"pattern": "src/**/*.py"})").text,
            "src/deep/er/x.py\nsrc/main.py\nsrc/util.py\n");
  EXPECT_EQ(Call("find_files", R"({"pattern": "*/x.py", "path": "src/deep"})").text,
            "src/deep/er/x.py\n");
  EXPECT_EQ(Call("find_files", R"({"pattern": "*.rs"})").text, "no files match '*.rs' under '.'");
  EXPECT_EQ(Call("find_files", R"({"pattern": "HEAD"})").text, "no files match 'HEAD' under '.'");
}

TEST_F(FindToolsTest, SearchFindsLinesWithNumbersAndSkipsGit) {
  ToolResult result = Call("search", R"({"pattern": "TODO"})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("src/util.py:2:     print('TODO: run')\n"), std::string::npos)
      << result.text;
  EXPECT_NE(result.text.find("src/deep/er/x.py:1: # TODO later\n"), std::string::npos);
  EXPECT_EQ(result.text.find(".git"), std::string::npos) << result.text;
}

TEST_F(FindToolsTest, SearchFiltersByPathGlobAndCase) {
  EXPECT_EQ(Call("search", R"js({"pattern": "def (run|main)", "path": "src"})js").text,
            "src/main.py:3: def main():\nsrc/util.py:1: def run():\n");
  EXPECT_EQ(Call("search", R"({"pattern": "todo", "glob": "x.py", "case_insensitive": true})").text,
            "src/deep/er/x.py:1: # TODO later\n");
  EXPECT_EQ(Call("search", R"({"pattern": "assert", "path": "tests/test_main.py"})").text,
            "tests/test_main.py:2:     assert True\n");
  EXPECT_EQ(Call("search", R"({"pattern": "-n"})").text, "no matches");
}

TEST_F(FindToolsTest, SearchCapsResultsAndLineLength) {
  std::string many;
  for (int i = 0; i < 50; ++i) many += "hit " + std::string(500, 'z') + "\n";
  WriteFile("many.txt", many);
  ToolResult result = Call("search", R"({"pattern": "hit", "max_results": 5})");
  ASSERT_FALSE(result.is_error) << result.text;
  EXPECT_NE(result.text.find("[results capped at 5 matching lines"), std::string::npos)
      << result.text;
  EXPECT_NE(result.text.find("... [204 more characters]"), std::string::npos) << result.text;
  EXPECT_EQ(std::count(result.text.begin(), result.text.end(), '\n'), 6);
}

TEST_F(FindToolsTest, SearchReportsBadRegexAndEscapes) {
  ToolResult result = Call("search", R"js({"pattern": "(unclosed"})js");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("search failed"), std::string::npos) << result.text;
  result = Call("search", R"({"pattern": "root", "path": "/etc"})");
  EXPECT_TRUE(result.is_error);
  EXPECT_NE(result.text.find("outside the workspace"), std::string::npos) << result.text;
  std::filesystem::create_directory_symlink("/etc", root_ / "etc");
  result = Call("search", R"({"pattern": "root", "path": "etc"})");
  EXPECT_TRUE(result.is_error);
  // Symlinks met while recursing are not followed.
  EXPECT_EQ(Call("search", R"({"pattern": "root:x:0"})").text, "no matches");
}

}  // namespace
}  // namespace mh::tools::testing
