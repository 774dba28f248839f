// NdjsonParser: newline-delimited JSON, as Ollama streams it (application/x-ndjson): one
// JSON value per line.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "llm/sse.h"

namespace mh::llm {

// Incremental parser: bytes in, whole lines out. Lines end with \n (a \r before it is
// dropped); blank lines are skipped; lines split anywhere across Feed calls are joined.
// A line has the SSE parser's size limit, so a stream that never ends a line cannot take
// the memory. It does not parse the JSON: the decoder does. Not thread-safe.
class NdjsonParser {
 public:
  using Callback = std::function<void(std::string_view line)>;

  explicit NdjsonParser(size_t max_line = SseParser::kDefaultMaxLine) : max_line_(max_line) {}

  // Calls `on_line` for each line completed by `bytes`. Errors (kResourceExhausted): a line
  // over the limit; the parser then refuses every later Feed with the same error.
  Status Feed(std::string_view bytes, const Callback& on_line);

  // True when bytes of an unfinished line are buffered: a stream that ends here was cut
  // (the last line of a whole stream ends with \n).
  bool HasPartialLine() const;

 private:
  Status TooLong();

  const size_t max_line_;
  Status error_;
  std::string buffer_;  // An unfinished line.
};

}  // namespace mh::llm
