#include "tools/glob.h"

#include <gtest/gtest.h>

namespace mh::tools::internal {
namespace {

TEST(GlobTest, StarAndQuestionStayWithinAComponent) {
  EXPECT_TRUE(GlobMatch("*.py", "setup.py"));
  EXPECT_FALSE(GlobMatch("*.py", "src/setup.py"));
  EXPECT_FALSE(GlobMatch("*.py", "setup.pyc"));
  EXPECT_TRUE(GlobMatch("test_?.cc", "test_a.cc"));
  EXPECT_FALSE(GlobMatch("a?b", "a/b"));
  EXPECT_TRUE(GlobMatch("src/*/main.cc", "src/cli/main.cc"));
  EXPECT_FALSE(GlobMatch("src/*/main.cc", "src/a/b/main.cc"));
}

TEST(GlobTest, DoubleStarCrossesDirectories) {
  EXPECT_TRUE(GlobMatch("src/**/*.h", "src/a/b/c.h"));
  EXPECT_TRUE(GlobMatch("src/**/*.h", "src/c.h"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "test_x.py"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "a/b/test_x.py"));
  EXPECT_FALSE(GlobMatch("src/**/*.h", "lib/c.h"));
  EXPECT_TRUE(GlobMatch("docs/**", "docs/a/b.md"));
}

TEST(GlobTest, ClassesBracesAndEscapes) {
  EXPECT_TRUE(GlobMatch("file[0-9].txt", "file7.txt"));
  EXPECT_FALSE(GlobMatch("file[!0-9].txt", "file7.txt"));
  EXPECT_TRUE(GlobMatch("file[!0-9].txt", "filex.txt"));
  EXPECT_TRUE(GlobMatch("*.{cc,h}", "a.h"));
  EXPECT_TRUE(GlobMatch("*.{cc,h}", "a.cc"));
  EXPECT_FALSE(GlobMatch("*.{cc,h}", "a.py"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("[ab", "[ab"));  // An unclosed class is literal.
}

}  // namespace
}  // namespace mh::tools::internal
