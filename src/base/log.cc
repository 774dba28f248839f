#include "base/log.h"

#include <spdlog/sinks/base_sink.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "base/secrets.h"

namespace mh {
namespace {

// Formats each message, redacts secrets, and writes it to each stream.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingSink(FILE* err, FILE* file) : err_(err), file_(file) {}
  ~RedactingSink() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  RedactingSink(const RedactingSink&) = delete;
  RedactingSink& operator=(const RedactingSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line = RedactSecrets(std::string_view(formatted.data(), formatted.size()));
    for (FILE* f : {err_, file_}) {
      if (f != nullptr) std::fwrite(line.data(), 1, line.size(), f);
    }
  }
  void flush_() override {
    for (FILE* f : {err_, file_}) {
      if (f != nullptr) std::fflush(f);
    }
  }

 private:
  FILE* err_;
  FILE* file_;  // Owned.
};

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::warn;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "trace") return LogLevel::kTrace;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  return InvalidArgumentError("unknown log level '" + std::string(name) +
                              "' (valid: trace, debug, info, warn, error, off)");
}

Status InitLogging(const LogOptions& options) {
  FILE* file = nullptr;
  if (!options.file.empty()) {
    file = std::fopen(options.file.c_str(), "a");
    if (file == nullptr) {
      return InvalidArgumentError("cannot open log file " + options.file + ": " +
                                  std::strerror(errno));
    }
  }
  auto sink = std::make_shared<RedactingSink>(options.to_stderr ? stderr : nullptr, file);
  auto logger = std::make_shared<spdlog::logger>("macrohard", std::move(sink));
  logger->set_level(ToSpdlog(options.level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace mh
