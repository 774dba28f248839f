#include "desktop/keys.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

namespace mh::desktop {
namespace {

TEST(KeysTest, ParsesXdotoolChordsAndSequences) {
  auto chords = ParseKeys("ctrl+s");
  ASSERT_TRUE(chords.ok());
  ASSERT_EQ(chords->size(), 1u);
  EXPECT_EQ((*chords)[0], (KeyChord{XK_Control_L, XK_s}));

  chords = ParseKeys("shift+Tab Return alt+F4 super");
  ASSERT_TRUE(chords.ok());
  ASSERT_EQ(chords->size(), 4u);
  EXPECT_EQ((*chords)[0], (KeyChord{XK_Shift_L, XK_Tab}));
  EXPECT_EQ((*chords)[1], (KeyChord{XK_Return}));
  EXPECT_EQ((*chords)[2], (KeyChord{XK_Alt_L, XK_F4}));
  EXPECT_EQ((*chords)[3], (KeyChord{XK_Super_L}));
}

TEST(KeysTest, AcceptsAliasesCaseAndPlainCharacters) {
  EXPECT_EQ((*ParseKeys("Enter"))[0], (KeyChord{XK_Return}));
  EXPECT_EQ((*ParseKeys("f5"))[0], (KeyChord{XK_F5}));
  EXPECT_EQ((*ParseKeys("ctrl++"))[0], (KeyChord{XK_Control_L, XK_plus}));
  EXPECT_EQ((*ParseKeys("+"))[0], (KeyChord{XK_plus}));
  EXPECT_EQ((*ParseKeys("é"))[0], (KeyChord{XK_eacute}));
  EXPECT_EQ((*ParseKeys("€"))[0], (KeyChord{0x10020ac}));
}

TEST(KeysTest, UnknownKeysAreErrorsNamingTheKey) {
  auto bad = ParseKeys("ctrl+nosuchkey");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("nosuchkey"), std::string::npos);
  EXPECT_FALSE(ParseKeys("").ok());
}

TEST(KeysTest, DecodesUtf8AndRefusesInvalidBytes) {
  auto text = DecodeUtf8("h\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, (std::u32string{U'h', U'é', U'€', U'\U0001F600'}));
  EXPECT_FALSE(DecodeUtf8("\xC3").ok());
  EXPECT_FALSE(DecodeUtf8("\xFF").ok());
  EXPECT_EQ(KeysymForCodePoint(U'\n'), static_cast<KeySymbol>(XK_Return));
  EXPECT_EQ(KeysymForCodePoint(U'A'), static_cast<KeySymbol>(XK_A));
}

}  // namespace
}  // namespace mh::desktop
