// Logging: spdlog with levels, to stderr and/or a file, with secrets redacted.
//
// After InitLogging(), log with spdlog's free functions (spdlog::info("x {}", y)).
// Every line passes through RedactSecrets() before it is written.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace mh {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Accepts trace, debug, info, warn, error, off.
Result<LogLevel> ParseLogLevel(std::string_view name);

struct LogOptions {
  LogLevel level = LogLevel::kWarn;
  bool to_stderr = true;
  std::string file;  // Appended to when not empty.
};

// Replaces the default logger. Errors: the file cannot be opened.
Status InitLogging(const LogOptions& options);

}  // namespace mh
