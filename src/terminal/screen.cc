#include "terminal/screen.h"

#include <vterm.h>

namespace mh::terminal {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The text of `count` cells, trailing blanks trimmed. Wide characters take two cells;
// the second one is skipped.
template <typename CellAt>
std::string CellsToText(int count, CellAt cell_at) {
  std::string line;
  for (int col = 0; col < count;) {
    const VTermScreenCell& cell = cell_at(col);
    if (cell.chars[0] == 0 || cell.chars[0] == 0xffffffff) {
      line += ' ';
    } else {
      for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i] != 0; ++i) {
        AppendUtf8(line, cell.chars[i]);
      }
    }
    col += cell.width > 1 ? cell.width : 1;
  }
  size_t end = line.find_last_not_of(' ');
  line.resize(end == std::string::npos ? 0 : end + 1);
  return line;
}

}  // namespace

Screen::Screen(int rows, int cols, size_t scrollback_lines)
    : rows_(rows), cols_(cols), scrollback_limit_(scrollback_lines) {
  vt_ = vterm_new(rows, cols);
  vterm_set_utf8(vt_, 1);
  vterm_output_set_callback(vt_, &Screen::Output, this);
  screen_ = vterm_obtain_screen(vt_);
  static const VTermScreenCallbacks kCallbacks = {
      .sb_pushline = [](int cols, const VTermScreenCell* cells,
                        void* user) { return PushLine(cols, cells, user); },
  };
  vterm_screen_set_callbacks(screen_, &kCallbacks, this);
  vterm_screen_enable_altscreen(screen_, 1);
  vterm_screen_reset(screen_, 1);
}

Screen::~Screen() { vterm_free(vt_); }

int Screen::PushLine(int cols, const void* cells, void* user) {
  auto* self = static_cast<Screen*>(user);
  const auto* typed = static_cast<const VTermScreenCell*>(cells);
  self->scrollback_.push_back(
      CellsToText(cols, [typed](int col) -> const VTermScreenCell& { return typed[col]; }));
  ++self->scrolled_total_;
  while (self->scrollback_.size() > self->scrollback_limit_) self->scrollback_.pop_front();
  return 1;
}

void Screen::Output(const char* bytes, size_t len, void* user) {
  static_cast<Screen*>(user)->output_.append(bytes, len);
}

void Screen::Feed(std::string_view bytes) {
  if (bytes.empty()) return;
  vterm_input_write(vt_, bytes.data(), bytes.size());
  vterm_screen_flush_damage(screen_);
}

void Screen::Resize(int rows, int cols) {
  rows_ = rows;
  cols_ = cols;
  vterm_set_size(vt_, rows, cols);
  vterm_screen_flush_damage(screen_);
}

std::string Screen::Row(int row) const {
  VTermScreenCell cell;
  return CellsToText(cols_, [&](int col) -> const VTermScreenCell& {
    if (!vterm_screen_get_cell(screen_, VTermPos{.row = row, .col = col}, &cell)) cell = {};
    return cell;
  });
}

std::string Screen::Text() const {
  std::string text;
  size_t keep = 0;  // Length of `text` up to the last non-empty row.
  for (int row = 0; row < rows_; ++row) {
    if (row > 0) text += '\n';
    text += Row(row);
    if (!text.empty() && text.back() != '\n') keep = text.size();
  }
  text.resize(keep);
  return text;
}

CursorPos Screen::cursor() const {
  VTermPos pos;
  vterm_state_get_cursorpos(vterm_obtain_state(vt_), &pos);
  return CursorPos{.row = pos.row, .col = pos.col};
}

void Screen::EncodeKey(const KeyPress& key) {
  auto mods = static_cast<VTermModifier>(key.modifiers);
  if (key.vterm_key != VTERM_KEY_NONE) {
    vterm_keyboard_key(vt_, static_cast<VTermKey>(key.vterm_key), mods);
  } else {
    vterm_keyboard_unichar(vt_, key.codepoint, mods);
  }
}

std::string Screen::TakeOutput() {
  std::string out;
  out.swap(output_);
  return out;
}

}  // namespace mh::terminal
