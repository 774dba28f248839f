#include "cli/runtime.h"

#include <signal.h>

#include <cstdio>

namespace mh::cli {

Result<UserConfig> LoadUserConfig(const std::string& path) {
  UserConfig config;
  if (path.empty()) return config;
  ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  RETURN_IF_ERROR(file.CheckKnownKeys(file.root(), {"prices", "llm"}));
  if (const toml::node* prices = file.root().get("prices")) {
    if (!prices->is_table()) return file.ErrorAt(*prices, "'prices' must be a table");
    RETURN_IF_ERROR(config.prices.LoadOverrides(file, *prices->as_table()));
  }
  if (const toml::node* llm = file.root().get("llm")) {
    if (!llm->is_table()) return file.ErrorAt(*llm, "'llm' must be a table");
    const toml::table& table = *llm->as_table();
    RETURN_IF_ERROR(file.CheckKnownKeys(table, {"base_urls", "limits", "max_attempts"}));
    if (const toml::node* urls = table.get("base_urls")) {
      if (!urls->is_table()) return file.ErrorAt(*urls, "'llm.base_urls' must be a table");
      ASSIGN_OR_RETURN(config.base_urls, llm::LoadBaseUrlOverrides(file, *urls->as_table()));
    }
    if (const toml::node* limits = table.get("limits")) {
      if (!limits->is_table()) return file.ErrorAt(*limits, "'llm.limits' must be a table");
      ASSIGN_OR_RETURN(config.limits, llm::LoadModelLimits(file, *limits->as_table()));
    }
    ASSIGN_OR_RETURN(std::optional<int64_t> attempts, file.GetInt(table, "max_attempts"));
    if (attempts) {
      if (*attempts < 1 || *attempts > 20) {
        return file.ErrorAt(*table.get("max_attempts"), "'max_attempts' must be 1 to 20");
      }
      config.max_attempts = static_cast<int>(*attempts);
    }
  }
  return config;
}

namespace {

llm::RetryPolicy PolicyWith(int max_attempts) {
  llm::RetryPolicy policy;
  policy.max_attempts = max_attempts;
  return policy;
}

}  // namespace

ModelRuntime::ModelRuntime(int max_attempts)
    : curl_(llm::NewCurlTransport()),
      retrying_(llm::NewRetryingTransport(*curl_, PolicyWith(max_attempts), SystemClock())),
      meter_(std::make_shared<llm::UsageMeter>()) {}

ModelRuntime::~ModelRuntime() {
  retrying_.reset();  // Before the transport it decorates.
  curl_.reset();
}

Result<std::unique_ptr<llm::Model>> ModelRuntime::MakeModel(const std::string& name,
                                                            const UserConfig& config,
                                                            const llm::ModelLimits& limits) {
  llm::ModelOptions options;
  options.base_urls = config.base_urls;
  options.limits = llm::WithOverrides(llm::LimitsFor(config.limits, name), limits);
  options.meter = meter_;
  return llm::MakeModel(name, *retrying_, llm::ProcessEnv(), config.prices, std::move(options));
}

InterruptWatcher::InterruptWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::jthread([this, set](std::stop_token stop) {
    const timespec poll_interval{0, 100'000'000};
    while (!stop.stop_requested()) {
      if (sigtimedwait(&set, nullptr, &poll_interval) > 0) {
        std::fputs("\nmacrohard: interrupted, stopping\n", stderr);
        source_.request_stop();
        return;
      }
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  thread_.request_stop();
  thread_.join();
}

void AddModelLimitFlags(CLI::App& command, llm::ModelLimits& limits) {
  command
      .add_option("--context-window", limits.context_window,
                  "the model's context window in tokens (default: its known one)")
      ->check(CLI::PositiveNumber);
  command
      .add_option("--max-output-tokens", limits.output_limit,
                  "the most tokens one reply may have (default: the model's limit)")
      ->check(CLI::PositiveNumber);
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string IndentLines(const std::string& text, size_t max_lines, const std::string& indent) {
  std::string out;
  size_t start = 0;
  size_t lines = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (lines < max_lines) out += indent + text.substr(start, end - start) + "\n";
    ++lines;
    start = end + 1;
  }
  if (lines > max_lines) {
    out += indent + "... (" + std::to_string(lines - max_lines) + " more lines)\n";
  }
  return out;
}

std::string FormatUsageLine(const llm::UsageMeter& meter) {
  llm::UsageTotals total = meter.Total();
  std::string line = "tokens: " + FormatCount(total.usage.input_tokens) + " in";
  if (total.usage.cache_read_tokens > 0) {
    line += " (+" + FormatCount(total.usage.cache_read_tokens) + " cached)";
  }
  if (total.usage.cache_write_tokens > 0) {
    line += " (+" + FormatCount(total.usage.cache_write_tokens) + " written to cache)";
  }
  line += ", " + FormatCount(total.usage.output_tokens) + " out";
  if (total.usage.reasoning_tokens > 0) {
    line += " (+" + FormatCount(total.usage.reasoning_tokens) + " reasoning)";
  }
  line += "; ";
  if (!total.all_priced) {
    std::string unpriced;
    for (const auto& [model, totals] : meter.ByModel()) {
      if (!totals.all_priced) unpriced += (unpriced.empty() ? "" : ", ") + model;
    }
    return line + "cost: unknown (no price for " + unpriced +
           "; add one under [prices] in a --config file)";
  }
  char cost[32];
  std::snprintf(cost, sizeof cost, "$%.4f", total.cost_usd);
  return line + "cost: " + cost;
}

}  // namespace mh::cli
