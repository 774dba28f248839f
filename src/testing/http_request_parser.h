// HttpRequestParser: incremental HTTP/1.1 request parsing for the fake LLM server.
//
// Bytes go in as they arrive (Append); Parse() reports when one whole request is
// buffered. Bodies are framed by Content-Length or chunked transfer encoding (chunk
// extensions and trailers are skipped). Requests larger than the cap are refused with
// 413 as soon as that is known. Bytes after a complete request stay buffered for the
// next one (pipelining). Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mh::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // As sent: path and query.
  std::string path;    // Without the query string.
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // Names lower-cased.
  std::string body;

  // The first value of header `lower_name`, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
  // HTTP/1.1 keeps the connection unless "Connection: close"; 1.0 only with keep-alive.
  bool KeepAlive() const;
};

class HttpRequestParser {
 public:
  enum class Progress { kNeedMore, kComplete, kError };

  explicit HttpRequestParser(size_t max_body_bytes, size_t max_header_bytes = 64 * 1024);

  void Append(std::string_view bytes) { buffer_.append(bytes); }
  // Parses what is buffered. After kComplete call TakeRequest(); after kError the
  // connection cannot be used further (error_status/error_message say why).
  Progress Parse();
  // The completed request; the parser then starts on the next one.
  HttpRequest TakeRequest();

  // True once the current request's headers are parsed and it sent
  // "Expect: 100-continue" with a body still to come.
  bool WantsContinue() const;
  size_t buffered() const { return buffer_.size(); }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Stage {
    kHeaders,
    kFixedBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone,
    kError
  };

  Progress Fail(int status, std::string message);
  Progress ParseHeaders();
  Progress ParseRequestLine(std::string_view line);
  Progress StartBody();
  Progress ParseChunked();
  // The next CRLF-terminated line from pos_, or false when it is not all here.
  bool NextLine(std::string_view& line);

  size_t max_body_bytes_;
  size_t max_header_bytes_;
  std::string buffer_;
  size_t pos_ = 0;       // Parsed bytes of buffer_ that belong to the current request.
  size_t scan_pos_ = 0;  // Where to resume looking for the end of the headers.
  Stage stage_ = Stage::kHeaders;
  size_t remaining_ = 0;  // Bytes left of the fixed body or the current chunk.
  bool expect_continue_ = false;
  HttpRequest request_;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace mh::testing
