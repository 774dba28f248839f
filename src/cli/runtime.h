// Runtime: the real implementations a command needs, built once and wired together.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>

#include "base/status.h"
#include "llm/http_transport.h"
#include "llm/limits_config.h"
#include "llm/model.h"
#include "llm/model_factory.h"
#include "llm/usage.h"

namespace mh::cli {

// User configuration shared by the commands (`--config FILE`, TOML):
//   [prices."xai/grok-4"]  input = 3.0  output = 15.0       (USD per million tokens)
//   [llm]                  max_attempts = 6   (sends of one request, the first included)
//   [llm.base_urls]        vllm = "http://gpu-box:8000/v1"
//   [llm.limits."vllm/qwen3"]  context_window = 32768  output_limit = 4096
struct UserConfig {
  llm::PriceTable prices = llm::PriceTable::WithDefaults();
  llm::BaseUrlOverrides base_urls;
  llm::LimitsByModel limits;
  int max_attempts = llm::RetryPolicy{}.max_attempts;
};

// Reads `path` (empty: defaults only). Errors name the file and line at fault.
Result<UserConfig> LoadUserConfig(const std::string& path);

// The HTTP transport (curl multi on its own thread, with retries) and the usage meter.
// Owns both; models made from it must be destroyed first.
class ModelRuntime {
 public:
  // `max_attempts`: how often one request is sent before its error is final.
  explicit ModelRuntime(int max_attempts = llm::RetryPolicy{}.max_attempts);
  ~ModelRuntime();
  ModelRuntime(const ModelRuntime&) = delete;
  ModelRuntime& operator=(const ModelRuntime&) = delete;

  // A model from its documented name, reading keys from the process environment. Its
  // limits: the model's defaults, under `config.limits` for this name, under `limits`
  // (a 0 field keeps what is below it).
  Result<std::unique_ptr<llm::Model>> MakeModel(const std::string& name, const UserConfig& config,
                                                const llm::ModelLimits& limits = {});
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

// --context-window and --max-output-tokens, into `limits` (0: the model's defaults).
void AddModelLimitFlags(CLI::App& command, llm::ModelLimits& limits);

// "1,234".
std::string FormatCount(int64_t n);
// `text` with each line indented by `indent`, cut after `max_lines` lines with a note of
// how many more there were.
std::string IndentLines(const std::string& text, size_t max_lines,
                        const std::string& indent = "  ");
// "tokens: 1,234 in, 56 out; cost: $0.0012" (or "cost: unknown (no price for MODEL)").
std::string FormatUsageLine(const llm::UsageMeter& meter);

}  // namespace mh::cli
