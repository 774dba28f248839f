// HttpResponse: a response of the fake LLM server, and its bytes on the wire.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mh::testing {

struct HttpResponse {
  enum class Ending {
    kComplete,  // Everything is sent.
    kStall,     // Streaming: the head only; otherwise nothing. Then silence.
    kCut,       // Part of the body, then the connection is closed mid-event.
  };

  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // Extra, e.g. Retry-After.
  bool streaming = false;           // Chunked transfer encoding, one chunk per event.
  std::vector<std::string> events;  // Streaming body.
  std::string body;                 // Non-streaming body.
  Ending ending = Ending::kComplete;
  size_t cut_after_events = 0;  // kCut, streaming: whole events before the cut one.
};

// The bytes to send for `response`: status line and headers, then the body as its ending
// wants — everything; a streaming head only or nothing (kStall); or the head and part of
// the body (kCut: whole events up to cut_after_events, then half of the next, inside a
// chunk that announced all of it). `head_only` (HEAD requests) sends the head alone.
std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool head_only);

}  // namespace mh::testing
