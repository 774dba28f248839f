// Key names for the terminal: "Enter", "C-c", "ctrl+shift+Up", "F5", "M-x", "a".
//
// ParseKey turns one name into a libvterm key or character plus modifiers, which
// Screen::EncodeKey turns into the bytes a terminal sends. Names are case-insensitive
// ("enter", "ENTER"); a modifier prefix is "C-", "M-", "S-" (emacs style, also
// "A-" for alt) or "ctrl+", "alt+", "meta+", "shift+" (joined with '+' or '-').
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mh::terminal {

struct KeyPress {
  int vterm_key = 0;       // A VTermKey; 0 (VTERM_KEY_NONE) when `codepoint` is set.
  uint32_t codepoint = 0;  // A Unicode character; 0 when `vterm_key` is set.
  int modifiers = 0;       // VTermModifier bits.
};

// Errors: kInvalidArgument naming the key and listing the valid names.
Result<KeyPress> ParseKey(std::string_view name);

// The named keys accepted, for error messages and the tool description.
const std::string& KeyNamesHelp();

}  // namespace mh::terminal
