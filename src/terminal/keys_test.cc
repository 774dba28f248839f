#include "terminal/keys.h"

#include <gtest/gtest.h>
#include <vterm.h>

#include "terminal/screen.h"

namespace mh::terminal {
namespace {

std::string Bytes(const std::string& name) {
  Screen screen(5, 20);
  auto key = ParseKey(name);
  EXPECT_TRUE(key.ok()) << name;
  if (!key.ok()) return "";
  screen.EncodeKey(*key);
  return screen.TakeOutput();
}

TEST(KeysTest, NamedKeysProduceWhatATerminalSends) {
  EXPECT_EQ(Bytes("Enter"), "\r");
  EXPECT_EQ(Bytes("enter"), "\r");
  EXPECT_EQ(Bytes("Tab"), "\t");
  EXPECT_EQ(Bytes("Escape"), "\x1b");
  EXPECT_EQ(Bytes("Backspace"), "\x7f");
  EXPECT_EQ(Bytes("Up"), "\x1b[A");
  EXPECT_EQ(Bytes("Left"), "\x1b[D");
  EXPECT_EQ(Bytes("F5"), "\x1b[15~");
  EXPECT_EQ(Bytes("PageDown"), "\x1b[6~");
  EXPECT_EQ(Bytes("Space"), " ");
}

TEST(KeysTest, ControlAndAltInBothSpellings) {
  EXPECT_EQ(Bytes("C-c"), "\x03");
  EXPECT_EQ(Bytes("ctrl+c"), "\x03");
  EXPECT_EQ(Bytes("Ctrl+C"), "\x03");
  EXPECT_EQ(Bytes("ctrl-d"), "\x04");
  EXPECT_EQ(Bytes("M-x"), "\x1bx");
  EXPECT_EQ(Bytes("alt+x"), "\x1bx");
  EXPECT_EQ(Bytes("a"), "a");
  EXPECT_EQ(Bytes("é"), "é");
  auto shift_tab = ParseKey("shift+Tab");
  ASSERT_TRUE(shift_tab.ok());
  EXPECT_EQ(shift_tab->modifiers, VTERM_MOD_SHIFT);
  EXPECT_EQ(shift_tab->vterm_key, VTERM_KEY_TAB);
}

TEST(KeysTest, UnknownNamesAreRefusedWithTheValidOnes) {
  for (const char* bad : {"Foo", "F13", "C-", "ctrl+nothing", ""}) {
    auto key = ParseKey(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_NE(key.error().message().find("Enter, Tab"), std::string::npos);
  }
}

TEST(ScreenTest, TextTrimsBlanksAndTracksCursorAndScrollback) {
  Screen screen(3, 10);
  screen.Feed("hello   \r\nworld\r\n");
  EXPECT_EQ(screen.Text(), "hello\nworld");
  EXPECT_EQ(screen.cursor().row, 2);
  EXPECT_EQ(screen.cursor().col, 0);
  screen.Feed("three\r\nfour");
  EXPECT_EQ(screen.Text(), "world\nthree\nfour");
  ASSERT_EQ(screen.scrollback().size(), 1u);
  EXPECT_EQ(screen.scrollback()[0], "hello");
  screen.Feed("\x1b[2J\x1b[H\xe6\x97\xa5x");  // Clear, home, a wide character.
  EXPECT_EQ(screen.Text(), "\xe6\x97\xa5x");
  EXPECT_EQ(screen.cursor().col, 3);
}

}  // namespace
}  // namespace mh::terminal
