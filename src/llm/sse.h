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
// Not thread-safe.
class SseParser {
 public:
  using Callback = std::function<void(SseEvent&&)>;

  // Parses `bytes`, calling `on_event` for each event completed by them.
  void Feed(std::string_view bytes, const Callback& on_event);

  // True when bytes of an unfinished event are buffered: a stream that ends here was cut.
  bool HasPartialEvent() const;

 private:
  std::string buffer_;
  SseEvent pending_;
  bool pending_has_fields_ = false;
};

}  // namespace mh::llm
