// Screen: a terminal's screen model (libvterm) fed with a program's output.
//
// Feed() parses output bytes; Text() gives the visible rows as UTF-8 with trailing
// blanks trimmed; lines scrolled off the top are kept in a bounded scrollback. Keys
// are encoded the way an xterm sends them (EncodeKey), including the answers the
// terminal owes the program (cursor position reports): TakeOutput() returns the bytes
// to write to the program. Not thread-safe; owns its VTerm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "terminal/keys.h"

struct VTerm;
struct VTermScreen;

namespace mh::terminal {

struct CursorPos {
  int row = 0;  // 0-based, from the top of the screen.
  int col = 0;  // 0-based.
};

class Screen {
 public:
  // `rows` and `cols` must be positive; `scrollback_lines` bounds the history kept.
  Screen(int rows, int cols, size_t scrollback_lines = 2000);
  ~Screen();
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  void Feed(std::string_view bytes);
  void Resize(int rows, int cols);

  // The visible rows joined with '\n', each trimmed of trailing blanks, trailing
  // empty rows dropped.
  std::string Text() const;
  // One visible row, trimmed.
  std::string Row(int row) const;
  CursorPos cursor() const;
  int rows() const { return rows_; }
  int cols() const { return cols_; }

  // Lines that scrolled off the top, oldest first (at most scrollback_lines).
  const std::deque<std::string>& scrollback() const { return scrollback_; }
  // Lines ever pushed into the scrollback (keeps counting when old ones are dropped).
  uint64_t scrolled_lines() const { return scrolled_total_; }

  // Queues the bytes for `key` (with modifiers) as the terminal would send them.
  void EncodeKey(const KeyPress& key);
  // Bytes queued for the program (encoded keys, terminal replies); clears the queue.
  std::string TakeOutput();

 private:
  static int PushLine(int cols, const void* cells, void* user);
  static void Output(const char* bytes, size_t len, void* user);

  VTerm* vt_ = nullptr;
  VTermScreen* screen_ = nullptr;
  int rows_;
  int cols_;
  size_t scrollback_limit_;
  std::deque<std::string> scrollback_;
  uint64_t scrolled_total_ = 0;
  std::string output_;
};

}  // namespace mh::terminal
