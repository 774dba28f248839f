#include "sandbox/output_buffer.h"

#include <gtest/gtest.h>

namespace mh::sandbox {
namespace {

TEST(HeadTailBufferTest, KeepsShortStreamWhole) {
  HeadTailBuffer buffer(4, 4);
  buffer.Append("abc");
  buffer.Append("defgh");
  EXPECT_EQ(buffer.Text(), "abcdefgh");
  EXPECT_FALSE(buffer.truncated());
  EXPECT_EQ(buffer.total_bytes(), 8u);
}

TEST(HeadTailBufferTest, KeepsHeadAndTailAndMarksTheCut) {
  HeadTailBuffer buffer(3, 4);
  for (char c = 'a'; c <= 'z'; ++c) buffer.Append(std::string(1, c));
  EXPECT_TRUE(buffer.truncated());
  EXPECT_EQ(buffer.elided_bytes(), 26u - 7u);
  EXPECT_EQ(buffer.Text(), "abc" + ElisionMarker(19) + "wxyz");
  EXPECT_EQ(ElisionMarker(19), "\n[... 19 bytes elided ...]\n");
}

TEST(HeadTailBufferTest, TailWrapsAcrossChunksOfAnySize) {
  HeadTailBuffer buffer(2, 5);
  std::string all;
  for (int i = 0; i < 50; ++i) {
    std::string chunk(static_cast<size_t>(i % 7), static_cast<char>('A' + i % 26));
    all += chunk;
    buffer.Append(chunk);
  }
  std::string expected =
      all.substr(0, 2) + ElisionMarker(all.size() - 7) + all.substr(all.size() - 5);
  EXPECT_EQ(buffer.Text(), expected);
}

}  // namespace
}  // namespace mh::sandbox
