#include "desktop/keys.h"

#include <cctype>
#include <map>

#include "desktop/x11.h"

namespace mh::desktop {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::map<std::string, KeySymbol>& Aliases() {
  static const auto* aliases = new std::map<std::string, KeySymbol>{
      {"ctrl", XK_Control_L},  {"control", XK_Control_L},  {"alt", XK_Alt_L},
      {"shift", XK_Shift_L},   {"super", XK_Super_L},      {"win", XK_Super_L},
      {"meta", XK_Meta_L},     {"cmd", XK_Super_L},        {"enter", XK_Return},
      {"return", XK_Return},   {"esc", XK_Escape},         {"escape", XK_Escape},
      {"del", XK_Delete},      {"delete", XK_Delete},      {"backspace", XK_BackSpace},
      {"tab", XK_Tab},         {"space", XK_space},        {"pageup", XK_Page_Up},
      {"page_up", XK_Page_Up}, {"pagedown", XK_Page_Down}, {"page_down", XK_Page_Down},
      {"up", XK_Up},           {"down", XK_Down},          {"left", XK_Left},
      {"right", XK_Right},     {"home", XK_Home},          {"end", XK_End},
      {"insert", XK_Insert},   {"arrowup", XK_Up},         {"arrowdown", XK_Down},
      {"arrowleft", XK_Left},  {"arrowright", XK_Right},   {"option", XK_Alt_L},
  };
  return *aliases;
}

Result<KeySymbol> KeysymForName(std::string_view name) {
  auto alias = Aliases().find(Lower(name));
  if (alias != Aliases().end()) return alias->second;
  std::string owned(name);
  KeySym sym = XStringToKeysym(owned.c_str());
  if (sym != NoSymbol) return static_cast<KeySymbol>(sym);
  // F-keys and names in other cases ("f5", "RETURN").
  for (const std::string& candidate :
       {Lower(name),
        std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])))) +
            Lower(name.substr(1))}) {
    sym = XStringToKeysym(candidate.c_str());
    if (sym != NoSymbol) return static_cast<KeySymbol>(sym);
  }
  Result<std::u32string> chars = DecodeUtf8(name);
  if (chars.ok() && chars->size() == 1) return KeysymForCodePoint((*chars)[0]);
  return InvalidArgumentError("unknown key '" + owned +
                              "' (use X keysym names such as Return, Tab, F5, ctrl+s)");
}

Result<KeyChord> ParseChord(std::string_view chord) {
  KeyChord keys;
  if (chord == "+") return KeyChord{XK_plus};
  size_t start = 0;
  while (start <= chord.size()) {
    size_t plus = chord.find('+', start);
    // A '+' right after another separator is the key itself ("ctrl++").
    if (plus == start && plus < chord.size()) plus = chord.find('+', start + 1);
    std::string_view name =
        chord.substr(start, plus == std::string_view::npos ? std::string_view::npos : plus - start);
    if (name.empty()) return InvalidArgumentError("empty key name in '" + std::string(chord) + "'");
    ASSIGN_OR_RETURN(KeySymbol sym, KeysymForName(name));
    keys.push_back(sym);
    if (plus == std::string_view::npos) break;
    start = plus + 1;
  }
  return keys;
}

}  // namespace

Result<std::vector<KeyChord>> ParseKeys(std::string_view text) {
  std::vector<KeyChord> chords;
  size_t start = 0;
  while (start < text.size()) {
    size_t space = text.find(' ', start);
    if (space == std::string_view::npos) space = text.size();
    if (space > start) {
      ASSIGN_OR_RETURN(KeyChord chord, ParseChord(text.substr(start, space - start)));
      chords.push_back(std::move(chord));
    }
    start = space + 1;
  }
  if (chords.empty()) return InvalidArgumentError("no key given");
  return chords;
}

KeySymbol KeysymForCodePoint(char32_t c) {
  if (c == U'\n' || c == U'\r') return XK_Return;
  if (c == U'\t') return XK_Tab;
  if (c == 0x08) return XK_BackSpace;
  if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff)) return static_cast<KeySymbol>(c);
  return 0x01000000u | static_cast<KeySymbol>(c);
}

Result<std::u32string> DecodeUtf8(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    int extra = byte < 0x80           ? 0
                : (byte >> 5) == 0x6  ? 1
                : (byte >> 4) == 0xe  ? 2
                : (byte >> 3) == 0x1e ? 3
                                      : -1;
    if (extra < 0) return InvalidArgumentError("text is not valid UTF-8");
    char32_t c = extra == 0 ? byte : byte & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= text.size()) return InvalidArgumentError("text is not valid UTF-8");
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 2) return InvalidArgumentError("text is not valid UTF-8");
      c = (c << 6) | (next & 0x3f);
    }
    out.push_back(c);
    i += extra + 1;
  }
  return out;
}

bool IsModifierKeysym(KeySymbol keysym) { return keysym >= XK_Shift_L && keysym <= XK_Hyper_R; }

}  // namespace mh::desktop
