#include "llm/ndjson.h"

#include <algorithm>

namespace mh::llm {
namespace {

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

Status NdjsonParser::TooLong() {
  error_ =
      ResourceExhaustedError("stream line longer than " + std::to_string(max_line_) + " bytes");
  return error_;
}

Status NdjsonParser::Feed(std::string_view bytes, const Callback& on_line) {
  if (!error_.ok()) return error_;
  // Lines complete inside `bytes` are handed out in place; only a trailing partial line
  // is copied.
  while (!bytes.empty()) {
    size_t end = bytes.find('\n');
    if (end == std::string_view::npos) {
      // Only what fits is kept: a line past the limit fails without growing further.
      size_t room = max_line_ + 1 - std::min(buffer_.size(), max_line_ + 1);
      buffer_.append(bytes.substr(0, room));
      if (buffer_.size() > max_line_) return TooLong();
      return Status::Ok();
    }
    std::string_view line = bytes.substr(0, end);
    bytes.remove_prefix(end + 1);
    if (!buffer_.empty()) {
      if (buffer_.size() + line.size() > max_line_ + 1) return TooLong();
      buffer_.append(line);
      line = buffer_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line_) return TooLong();
    if (!IsBlank(line)) on_line(line);
    buffer_.clear();
  }
  return Status::Ok();
}

bool NdjsonParser::HasPartialLine() const { return !IsBlank(buffer_); }

}  // namespace mh::llm
