// SseParser: Server-Sent Events, as streamed by model providers.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mh::llm {

struct SseEvent {
  std::string event;  // The `event:` field; empty when absent.
  std::string data;   // The `data:` lines joined by "\n".
};

// Incremental parser: bytes in, whole events out. Handles \n, \r\n and \r line ends,
// comments (": ping"), multi-line data, and events split anywhere across Feed calls.
// As in the WHATWG spec, a blank line dispatches an event only when it had a `data:`
// line; `id:` and `retry:` are ignored, as are unknown fields. Lines and events have a size
// limit, so a stream that never ends a line cannot take the memory. Not thread-safe.
class SseParser {
 public:
  using Callback = std::function<void(SseEvent&&)>;

  static constexpr size_t kDefaultMaxLine = 16 << 20;
  static constexpr size_t kDefaultMaxEvent = 32 << 20;

  explicit SseParser(size_t max_line = kDefaultMaxLine, size_t max_event = kDefaultMaxEvent)
      : max_line_(max_line), max_event_(max_event) {}

  // Parses `bytes`, calling `on_event` for each event completed by them. Errors
  // (kResourceExhausted): a line or an event over its limit; the parser then refuses
  // every later Feed with the same error.
  Status Feed(std::string_view bytes, const Callback& on_event);

  // True when bytes of an unfinished event are buffered: a stream that ends here was cut.
  bool HasPartialEvent() const;

 private:
  void ProcessLine(std::string_view line, const Callback& on_event);
  Status CheckSizes();

  const size_t max_line_;
  const size_t max_event_;
  Status error_;
  std::string buffer_;  // An unfinished line.
  SseEvent pending_;
  bool pending_has_fields_ = false;  // Any field line since the last blank line.
  bool pending_has_data_ = false;    // A `data:` line since the last blank line.
  bool skip_lf_ = false;             // The last byte was \r: a leading \n ends nothing.
};

}  // namespace mh::llm
