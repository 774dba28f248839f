// Test-only HTTP/1.1 client over raw loopback sockets, for the fake LLM server's tests:
// exact control of the bytes sent (keep-alive, chunked bodies, Expect) and of what is
// seen (cuts, stalls). Every read has a deadline (SO_RCVTIMEO), so a bug fails, not hangs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "testing/event_loop.h"

namespace mh::testing {

struct TestResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Names lower-cased.
  std::string body;                            // Chunked bodies decoded.
  bool complete = false;  // False when the connection ended (or timed out) mid-response.
};

struct TestSseEvent {
  std::string event;
  std::string data;
};

// Splits an SSE body into events (event: and data: fields; comments skipped).
std::vector<TestSseEvent> ParseSse(std::string_view body);

// "POST PATH HTTP/1.1" with Host, Content-Type, Content-Length and `extra_headers`
// (each "Name: value").
std::string PostRequest(std::string_view path, std::string_view body,
                        const std::vector<std::string>& extra_headers = {});

class TestConnection {
 public:
  // Connects to 127.0.0.1:port; `timeout_ms` bounds each read. Fails the test on error.
  explicit TestConnection(int port, int timeout_ms = 10'000);

  void Send(std::string_view bytes);
  // Reads one response (skipping any 100 Continue unless `stop_at_continue`); `no_body`
  // for the response to a HEAD request.
  TestResponse ReadResponse(bool stop_at_continue = false, bool no_body = false);
  // True when the server closed the connection (reads EOF) within the read timeout.
  bool ReadsEof();
  void Close() { fd_.reset(); }

 private:
  bool Fill();  // Reads more into buffer_; false on EOF, error or timeout.
  bool ReadLine(std::string& line);
  bool ReadExactly(size_t n, std::string& out);

  UniqueFd fd_;
  std::string buffer_;
};

// One request on a fresh connection.
TestResponse Exchange(int port, const std::string& request);

}  // namespace mh::testing
