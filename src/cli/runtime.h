// Runtime: the real implementations a command needs, built once and wired together.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <thread>

#include "base/status.h"
#include "llm/http_transport.h"
#include "llm/model.h"
#include "llm/model_factory.h"
#include "llm/usage.h"

namespace mh::cli {

// User configuration shared by the commands (`--config FILE`, TOML):
//   [prices."xai/grok-4"]  input = 3.0  output = 15.0       (USD per million tokens)
//   [llm.base_urls]        vllm = "http://gpu-box:8000/v1"
struct UserConfig {
  llm::PriceTable prices = llm::PriceTable::WithDefaults();
  llm::BaseUrlOverrides base_urls;
};

// Reads `path` (empty: defaults only). Errors name the file and line at fault.
Result<UserConfig> LoadUserConfig(const std::string& path);

// The HTTP transport (curl multi on its own thread, with retries) and the usage meter.
// Owns both; models made from it must be destroyed first.
class ModelRuntime {
 public:
  ModelRuntime();
  ~ModelRuntime();
  ModelRuntime(const ModelRuntime&) = delete;
  ModelRuntime& operator=(const ModelRuntime&) = delete;

  // A model from its documented name, reading keys from the process environment.
  Result<std::unique_ptr<llm::Model>> MakeModel(const std::string& name, const UserConfig& config);
  const std::shared_ptr<llm::UsageMeter>& meter() const { return meter_; }

 private:
  std::unique_ptr<llm::HttpTransport> curl_;
  std::unique_ptr<llm::HttpTransport> retrying_;  // Decorates curl_.
  std::shared_ptr<llm::UsageMeter> meter_;        // Shared with every model it makes.
};

// Turns SIGINT and SIGTERM into a stop request, on a thread of its own, for as long as
// it lives. Create it before any other thread so they inherit the blocked signals.
class InterruptWatcher {
 public:
  InterruptWatcher();
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  std::stop_token token() const { return source_.get_token(); }

 private:
  std::stop_source source_;
  std::jthread thread_;
};

// "1,234".
std::string FormatCount(int64_t n);
// `text` with each line indented by `indent`, cut after `max_lines` lines with a note of
// how many more there were.
std::string IndentLines(const std::string& text, size_t max_lines,
                        const std::string& indent = "  ");
// "tokens: 1,234 in, 56 out; cost: $0.0012" (or "cost: unknown (no price for MODEL)").
std::string FormatUsageLine(const llm::UsageMeter& meter);

}  // namespace mh::cli
