// Usage and cost: a price table per model and a meter of totals per model.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/json.h"
#include "base/status.h"
#include "llm/types.h"

namespace mh::llm {

// US dollars per million tokens of each kind.
struct ModelPrice {
  double input = 0;
  double output = 0;
  double cache_read = 0;
  double cache_write = 0;
  // True for a built-in default (published list prices as of late 2025); config
  // overrides replace it.
  bool is_default = false;
};

// The cost of `usage` at `price`, in US dollars. Reasoning tokens cost the output price.
double CostOf(const ModelPrice& price, const Usage& usage);

// How a Chat Completions server counts `completion_tokens_details.reasoning_tokens`.
enum class ReasoningCount {
  kAuto,      // Decide from total_tokens: prompt + completion + reasoning means kSeparate.
  kIncluded,  // Inside completion_tokens (OpenAI, DeepSeek, vLLM).
  kSeparate,  // On top of completion_tokens (xAI).
};

// A provider's usage object in native form (types.h: each kind counted once). Reads the
// shapes of Chat Completions (prompt_tokens, completion_tokens, *_details.cached_tokens,
// reasoning_tokens, DeepSeek's prompt_cache_hit_tokens, OpenRouter's cache_write_tokens),
// Anthropic Messages (input_tokens without cache, cache_read_input_tokens,
// cache_creation_input_tokens, output_tokens_details.thinking_tokens) and Responses
// (input_tokens with input_tokens_details.cached_tokens inside) and Gemini usageMetadata
// (promptTokenCount with cachedContentTokenCount inside, thoughtsTokenCount apart from
// candidatesTokenCount). Also the native form
// itself (events, replayed trajectories). Missing or malformed fields count 0; never throws.
Usage UsageFromProviderJson(const Json& usage, ReasoningCount count = ReasoningCount::kAuto);

// Prices by model name. Names are documented model names ("xai/grok-4"); a look-up that
// finds no entry for the whole name tries its bare model id — after '#' in an endpoint
// URL ("http://h:8000/v1#grok-4"), else after the first '/' — as a key and as the part
// after any key's '/', so an endpoint serving a known model shares its price. Not thread-safe for
// writes; const use from many threads is fine.
class PriceTable {
 public:
  // An empty table: every model is unpriced.
  PriceTable() = default;
  // The built-in defaults for a handful of well-known models.
  static PriceTable WithDefaults();

  void Set(std::string model, ModelPrice price);
  // nullptr when the model has no price.
  const ModelPrice* Find(std::string_view model) const;

  // Reads overrides from a TOML table such as
  //   [prices."xai/grok-4"]
  //   input = 3.0          # USD per million input tokens
  //   output = 15.0
  //   cache_read = 0.75    # optional, default 0
  //   cache_write = 0.0    # optional, default 0
  // Each entry replaces any price for that model. Errors (kInvalidArgument, "FILE:LINE:
  // ..."): an entry that is not a table, an unknown key, a missing input or output, a
  // value that is not a number or is negative. On error the table is unchanged.
  Status LoadOverrides(const ConfigFile& file, const toml::table& prices);

  const std::map<std::string, ModelPrice, std::less<>>& entries() const { return prices_; }

 private:
  std::map<std::string, ModelPrice, std::less<>> prices_;
};

struct UsageTotals {
  int64_t calls = 0;
  Usage usage;
  double cost_usd = 0;
  bool all_priced = true;  // False when some call's model had no price.
};

// Totals per model across calls. Thread-safe.
class UsageMeter {
 public:
  void Record(std::string_view model, const Usage& usage, double cost_usd, bool priced);

  // A copy of the totals by model name.
  std::map<std::string, UsageTotals, std::less<>> ByModel() const;
  // The sum over all models.
  UsageTotals Total() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, UsageTotals, std::less<>> totals_;  // Guarded by mutex_.
};

}  // namespace mh::llm
