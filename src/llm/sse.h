// SseParser: Server-Sent Events, as streamed by model providers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace mh::llm {

struct SseEvent {
  std::string event;  // The `event:` field; empty when absent.
  std::string data;   // The `data:` lines joined by "\n".
};

// Incremental parser: bytes in, whole events out. Handles \n, \r\n and \r line ends,
// comments (": ping"), multi-line data, and events split anywhere across Feed calls.
// As in the WHATWG spec, a blank line dispatches an event only when it had a `data:`
// line; `id:` and `retry:` are ignored, as are unknown fields. Not thread-safe.
class SseParser {
 public:
  using Callback = std::function<void(SseEvent&&)>;

  // Parses `bytes`, calling `on_event` for each event completed by them.
  void Feed(std::string_view bytes, const Callback& on_event);

  // True when bytes of an unfinished event are buffered: a stream that ends here was cut.
  bool HasPartialEvent() const;

 private:
  void ProcessLine(std::string_view line, const Callback& on_event);

  std::string buffer_;  // An unfinished line.
  SseEvent pending_;
  bool pending_has_fields_ = false;  // Any field line since the last blank line.
  bool pending_has_data_ = false;    // A `data:` line since the last blank line.
  bool skip_lf_ = false;             // The last byte was \r: a leading \n ends nothing.
};

}  // namespace mh::llm
