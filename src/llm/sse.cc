#include "llm/sse.h"

#include <algorithm>
#include <utility>

namespace mh::llm {

Status SseParser::CheckSizes() {
  if (buffer_.size() > max_line_) {
    error_ =
        ResourceExhaustedError("stream line longer than " + std::to_string(max_line_) + " bytes");
  } else if (pending_.data.size() + pending_.event.size() > max_event_) {
    error_ =
        ResourceExhaustedError("stream event larger than " + std::to_string(max_event_) + " bytes");
  }
  return error_;
}

Status SseParser::Feed(std::string_view bytes, const Callback& on_event) {
  if (!error_.ok()) return error_;
  if (skip_lf_ && !bytes.empty()) {
    skip_lf_ = false;
    if (bytes.front() == '\n') bytes.remove_prefix(1);
  }
  // Lines complete inside `bytes` are parsed in place; only a trailing partial line is copied.
  while (!bytes.empty()) {
    size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      // Only what fits is kept: a line past the limit fails without growing further.
      buffer_.append(bytes.substr(0, max_line_ + 1 - std::min(buffer_.size(), max_line_ + 1)));
      return CheckSizes();
    }
    std::string_view line = bytes.substr(0, end);
    if (!buffer_.empty()) {
      buffer_.append(line);
      line = buffer_;
    }
    bool cr = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    if (cr) {
      if (bytes.empty()) {
        skip_lf_ = true;
      } else if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
      }
    }
    if (line.size() > max_line_) {
      error_ =
          ResourceExhaustedError("stream line longer than " + std::to_string(max_line_) + " bytes");
      return error_;
    }
    ProcessLine(line, on_event);
    buffer_.clear();
    RETURN_IF_ERROR(CheckSizes());
  }
  return Status::Ok();
}

void SseParser::ProcessLine(std::string_view line, const Callback& on_event) {
  if (line.empty()) {
    if (pending_has_data_) {
      SseEvent event = std::move(pending_);
      pending_ = SseEvent();
      pending_has_fields_ = pending_has_data_ = false;
      on_event(std::move(event));
    } else {
      pending_ = SseEvent();
      pending_has_fields_ = false;
    }
    return;
  }
  if (line.front() == ':') return;  // A comment, e.g. a keep-alive ping.
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  pending_has_fields_ = true;
  if (field == "data") {
    if (pending_has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    pending_has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  }
}

bool SseParser::HasPartialEvent() const { return !buffer_.empty() || pending_has_fields_; }

}  // namespace mh::llm
