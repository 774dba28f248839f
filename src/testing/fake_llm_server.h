// FakeLlmServer: the scripted model server of docs/fake-llm.md, in-process.
//
// The same server runs as the `mh-fake-llm` binary. It serves OpenAI Chat Completions,
// OpenAI Responses and Anthropic Messages over HTTP/1.1 on loopback, streaming and not,
// from a scenario, on one event-loop thread of its own (no thread per connection).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace mh::testing {

struct FakeLlmOptions {
  std::string host = "127.0.0.1";
  int port = 0;          // 0: any free port.
  std::string log_path;  // When set, request records are appended here as JSON lines.
  // Requests with a larger body are refused with 413 (before the body is read, when the
  // Content-Length says so).
  size_t max_request_bytes = 32 * 1024 * 1024;
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit (Start() does it, so that one
// server holds thousands of connections).
void RaiseFileLimit();

class FakeLlmServer {
 public:
  // Parses the scenario (JSON text, docs/fake-llm.md), binds and starts serving.
  // Errors: kInvalidArgument naming what is wrong in the scenario; kUnavailable when it
  // cannot listen.
  static Result<std::unique_ptr<FakeLlmServer>> Start(std::string_view scenario_json,
                                                      FakeLlmOptions options);
  // Stops serving and joins the loop thread; open connections are closed.
  virtual ~FakeLlmServer() = default;

  virtual int port() const = 0;
  // "http://127.0.0.1:PORT".
  virtual std::string base_url() const = 0;
  // The request records so far, as written to the log (thread-safe).
  virtual std::vector<Json> requests() const = 0;
};

}  // namespace mh::testing
