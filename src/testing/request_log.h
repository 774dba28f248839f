// RequestLog: the fake LLM server's record of requests, in memory and optionally as JSON
// lines in a file (docs/fake-llm.md "Request log"). Thread-safe.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace mh::testing {

// Headers as a JSON object, with authorization, x-api-key and any header whose name holds
// "key", "token" or "secret" (or "cookie") replaced by "[REDACTED]".
Json RedactedHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

class RequestLog {
 public:
  // `path` empty: memory only. Errors: kInvalidArgument when the file cannot be opened.
  static Result<std::unique_ptr<RequestLog>> Open(const std::string& path);

  // Keeps `record` and appends it to the file as one line, flushed.
  void Add(const Json& record);
  // The records so far, parsed again (for tests: not cheap).
  std::vector<Json> Records() const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  explicit RequestLog(std::unique_ptr<std::FILE, FileCloser> file) : file_(std::move(file)) {}

  mutable std::mutex mutex_;
  std::unique_ptr<std::FILE, FileCloser> file_;  // Guarded by mutex_; may be null.
  // Guarded by mutex_. Kept as JSON text: a tenth of the memory of Json objects, which
  // matters when a benchmark sends tens of thousands of requests.
  std::vector<std::string> records_;
};

}  // namespace mh::testing
