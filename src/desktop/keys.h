// Key names in xdotool syntax ("ctrl+s", "Return", "shift+Tab", "super", "alt+F4",
// "ctrl+a BackSpace") and text, turned into X keysyms. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mh::desktop {

using KeySymbol = uint32_t;  // An X keysym.

// One chord: the keys pressed together, in order, and released in reverse.
using KeyChord = std::vector<KeySymbol>;

// Parses `text`: chords separated by spaces, keys in a chord joined by '+'. Key names
// are X keysym names (Return, F5, a, A, plus, BackSpace...), the aliases ctrl,
// control, alt, shift, super, win, meta, cmd, enter, esc, del, backspace, tab, space,
// pageup, pagedown, up, down, left, right, home, end, insert, and single characters
// ("é", "+" when alone). Errors: kInvalidArgument naming the key that is unknown.
Result<std::vector<KeyChord>> ParseKeys(std::string_view text);

// The keysym for one Unicode code point ("\n" is Return, "\t" Tab).
KeySymbol KeysymForCodePoint(char32_t code_point);

// The code points of UTF-8 `text`. Errors: kInvalidArgument for invalid UTF-8.
Result<std::u32string> DecodeUtf8(std::string_view text);

// True for the keysyms of Shift, Control, Alt, Meta, Super and Hyper.
bool IsModifierKeysym(KeySymbol keysym);

}  // namespace mh::desktop
