#include "terminal/keys.h"

#include <vterm.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace mh::terminal {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct NamedKey {
  const char* name;
  int key;
  uint32_t codepoint;
};

constexpr NamedKey kNamedKeys[] = {
    {"enter", VTERM_KEY_ENTER, 0},
    {"return", VTERM_KEY_ENTER, 0},
    {"ret", VTERM_KEY_ENTER, 0},
    {"tab", VTERM_KEY_TAB, 0},
    {"escape", VTERM_KEY_ESCAPE, 0},
    {"esc", VTERM_KEY_ESCAPE, 0},
    {"backspace", VTERM_KEY_BACKSPACE, 0},
    {"bs", VTERM_KEY_BACKSPACE, 0},
    {"up", VTERM_KEY_UP, 0},
    {"down", VTERM_KEY_DOWN, 0},
    {"left", VTERM_KEY_LEFT, 0},
    {"right", VTERM_KEY_RIGHT, 0},
    {"home", VTERM_KEY_HOME, 0},
    {"end", VTERM_KEY_END, 0},
    {"pageup", VTERM_KEY_PAGEUP, 0},
    {"pgup", VTERM_KEY_PAGEUP, 0},
    {"pagedown", VTERM_KEY_PAGEDOWN, 0},
    {"pgdn", VTERM_KEY_PAGEDOWN, 0},
    {"insert", VTERM_KEY_INS, 0},
    {"ins", VTERM_KEY_INS, 0},
    {"delete", VTERM_KEY_DEL, 0},
    {"del", VTERM_KEY_DEL, 0},
    {"space", 0, ' '},
};

// Strips one modifier prefix from `rest` into `mods`; false when there is none.
bool TakeModifier(std::string& rest, int& mods) {
  static const std::pair<const char*, int> kPrefixes[] = {
      {"ctrl", VTERM_MOD_CTRL}, {"control", VTERM_MOD_CTRL}, {"alt", VTERM_MOD_ALT},
      {"meta", VTERM_MOD_ALT},  {"shift", VTERM_MOD_SHIFT},  {"c", VTERM_MOD_CTRL},
      {"m", VTERM_MOD_ALT},     {"a", VTERM_MOD_ALT},        {"s", VTERM_MOD_SHIFT},
  };
  for (const auto& [prefix, bit] : kPrefixes) {
    std::string_view p(prefix);
    if (rest.size() > p.size() + 1 && rest.compare(0, p.size(), p) == 0 &&
        (rest[p.size()] == '-' || rest[p.size()] == '+')) {
      mods |= bit;
      rest.erase(0, p.size() + 1);
      return true;
    }
  }
  return false;
}

// Decodes one UTF-8 character making up all of `s`; 0 when it is not exactly one.
uint32_t SingleCodepoint(std::string_view s) {
  if (s.empty()) return 0;
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t len = b(0) < 0x80         ? 1
               : (b(0) >> 5) == 6  ? 2
               : (b(0) >> 4) == 14 ? 3
               : (b(0) >> 3) == 30 ? 4
                                   : 0;
  if (len == 0 || len != s.size()) return 0;
  if (len == 1) return b(0);
  uint32_t cp = b(0) & (0x7f >> len);
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3f);
  }
  return cp;
}

}  // namespace

const std::string& KeyNamesHelp() {
  static const std::string help =
      "Enter, Tab, Escape, Backspace, Up, Down, Left, Right, Home, End, PageUp, PageDown, "
      "Insert, Delete, Space, F1-F12, a single character; with modifiers C-x / M-x / S-Tab "
      "or ctrl+x / alt+x / shift+Tab";
  return help;
}

Result<KeyPress> ParseKey(std::string_view name) {
  std::string original(name);
  std::string rest = std::string(name);
  KeyPress press;
  // Modifier prefixes are matched case-insensitively; the final character keeps its case.
  for (;;) {
    std::string lowered = Lower(rest);
    int mods = press.modifiers;
    if (!TakeModifier(lowered, mods)) break;
    rest.erase(0, rest.size() - lowered.size());
    press.modifiers = mods;
  }
  if (uint32_t cp = SingleCodepoint(rest); cp != 0) {
    press.codepoint = cp;
    // Ctrl with a letter is the same control character in either case.
    if ((press.modifiers & VTERM_MOD_CTRL) && cp < 0x80 && std::isupper(static_cast<int>(cp))) {
      press.codepoint = static_cast<uint32_t>(std::tolower(static_cast<int>(cp)));
    }
    return press;
  }
  std::string lowered = Lower(rest);
  for (const NamedKey& key : kNamedKeys) {
    if (lowered == key.name) {
      press.vterm_key = key.key;
      press.codepoint = key.codepoint;
      return press;
    }
  }
  if (lowered.size() >= 2 && lowered[0] == 'f' &&
      std::all_of(lowered.begin() + 1, lowered.end(), [](char c) { return std::isdigit(c); })) {
    int n = std::stoi(lowered.substr(1, 3));
    if (n >= 1 && n <= 12) {
      press.vterm_key = VTERM_KEY_FUNCTION(n);
      return press;
    }
  }
  return InvalidArgumentError("unknown key '" + original + "'; keys are " + KeyNamesHelp());
}

}  // namespace mh::terminal
