#include "llm/usage.h"

#include <algorithm>
#include <optional>

namespace mh::llm {
namespace {

constexpr double kPerMillion = 1e-6;

// Defensive reads: usage objects come from outside.
int64_t Int(const Json& object, std::string_view key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return 0;
  int64_t v =
      it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
  return std::max<int64_t>(v, 0);
}

const Json& Object(const Json& object, std::string_view key) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

bool Has(const Json& object, std::string_view key) {
  return object.is_object() && object.contains(key) && !object.at(key).is_null();
}

int64_t Minus(int64_t a, int64_t b) { return a >= b ? a - b : 0; }

// Chat Completions: prompt_tokens holds cached and cache-written input; completion_tokens
// holds reasoning unless the server counts it apart (xAI).
Usage FromChat(const Json& u, ReasoningCount count) {
  const Json& prompt_details = Object(u, "prompt_tokens_details");
  const Json& completion_details = Object(u, "completion_tokens_details");
  int64_t prompt = Int(u, "prompt_tokens");
  int64_t completion = Int(u, "completion_tokens");
  int64_t reasoning = Int(completion_details, "reasoning_tokens");
  if (reasoning == 0) reasoning = Int(u, "reasoning_tokens");
  Usage out;
  out.cache_read_tokens = Has(prompt_details, "cached_tokens")
                              ? Int(prompt_details, "cached_tokens")
                              : Int(u, "prompt_cache_hit_tokens");
  out.cache_write_tokens = Int(prompt_details, "cache_write_tokens");
  out.input_tokens = Minus(prompt, out.cache_read_tokens + out.cache_write_tokens);
  if (count == ReasoningCount::kAuto) {
    int64_t total = Int(u, "total_tokens");
    bool apart = reasoning > 0 && total == prompt + completion + reasoning;
    count = apart ? ReasoningCount::kSeparate : ReasoningCount::kIncluded;
  }
  out.reasoning_tokens = reasoning;
  out.output_tokens =
      count == ReasoningCount::kSeparate ? completion : Minus(completion, reasoning);
  return out;
}

// Anthropic (input_tokens excludes the cache) and Responses (input_tokens includes cached
// and cache-written input, reported in input_tokens_details; total_tokens = input_tokens +
// output_tokens); output_tokens includes reasoning in both.
Usage FromInputOutput(const Json& u) {
  Usage out;
  const Json& input_details = Object(u, "input_tokens_details");
  const Json& output_details = Object(u, "output_tokens_details");
  int64_t input = Int(u, "input_tokens");
  int64_t output = Int(u, "output_tokens");
  out.cache_write_tokens = Int(u, "cache_creation_input_tokens");
  if (Has(input_details, "cached_tokens")) {
    out.cache_read_tokens = Int(input_details, "cached_tokens");
    out.cache_write_tokens = Int(input_details, "cache_write_tokens");
    out.input_tokens = Minus(input, out.cache_read_tokens + out.cache_write_tokens);
  } else {
    out.cache_read_tokens = Int(u, "cache_read_input_tokens");
    out.input_tokens = input;
  }
  out.reasoning_tokens =
      std::max(Int(output_details, "reasoning_tokens"), Int(output_details, "thinking_tokens"));
  out.output_tokens = Minus(output, out.reasoning_tokens);
  return out;
}

// Gemini usageMetadata: promptTokenCount includes the cached content
// (cachedContentTokenCount); candidatesTokenCount is the visible output and
// thoughtsTokenCount the reasoning apart from it; toolUsePromptTokenCount is input too
// (totalTokenCount is the sum of prompt, candidates, thoughts and tool-use prompt).
Usage FromGemini(const Json& u) {
  Usage out;
  out.cache_read_tokens = Int(u, "cachedContentTokenCount");
  out.input_tokens =
      Minus(Int(u, "promptTokenCount"), out.cache_read_tokens) + Int(u, "toolUsePromptTokenCount");
  out.output_tokens = Int(u, "candidatesTokenCount");
  out.reasoning_tokens = Int(u, "thoughtsTokenCount");
  return out;
}

// Macrohard's own form (events): every field already means what types.h says.
Usage FromNative(const Json& u) {
  Usage out;
  out.input_tokens = Int(u, "input_tokens");
  out.output_tokens = Int(u, "output_tokens");
  out.cache_read_tokens = Int(u, "cache_read_tokens");
  out.cache_write_tokens = Int(u, "cache_write_tokens");
  out.reasoning_tokens = Int(u, "reasoning_tokens");
  return out;
}

void Add(UsageTotals& into, const UsageTotals& from) {
  into.calls += from.calls;
  into.usage += from.usage;
  into.cost_usd += from.cost_usd;
  into.all_priced = into.all_priced && from.all_priced;
}

// Reads one price entry; `name` is for messages.
Result<ModelPrice> ReadPrice(const ConfigFile& file, const toml::node& node,
                             std::string_view name) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return file.ErrorAt(
        node, "price for '" + std::string(name) + "' must be a table with input and output");
  }
  RETURN_IF_ERROR(file.CheckKnownKeys(*table, {"input", "output", "cache_read", "cache_write"}));
  ModelPrice price;
  struct Field {
    std::string_view key;
    double* out;
    bool required;
  };
  const Field fields[] = {{"input", &price.input, true},
                          {"output", &price.output, true},
                          {"cache_read", &price.cache_read, false},
                          {"cache_write", &price.cache_write, false}};
  for (const Field& field : fields) {
    ASSIGN_OR_RETURN(std::optional<double> value, file.GetDouble(*table, field.key));
    if (!value) {
      if (!field.required) continue;
      return file.ErrorAt(node, "price for '" + std::string(name) + "' needs '" +
                                    std::string(field.key) + "' (USD per million tokens)");
    }
    if (*value < 0) {
      return file.ErrorAt(*table->get(field.key),
                          "'" + std::string(field.key) + "' must not be negative");
    }
    *field.out = *value;
  }
  return price;
}

}  // namespace

double CostOf(const ModelPrice& price, const Usage& usage) {
  return kPerMillion * (price.input * static_cast<double>(usage.input_tokens) +
                        price.output * static_cast<double>(usage.output_tokens) +
                        price.cache_read * static_cast<double>(usage.cache_read_tokens) +
                        price.cache_write * static_cast<double>(usage.cache_write_tokens) +
                        price.output * static_cast<double>(usage.reasoning_tokens));
}

Usage UsageFromProviderJson(const Json& usage, ReasoningCount count) {
  if (!usage.is_object()) return Usage{};
  if (Has(usage, "prompt_tokens") || Has(usage, "completion_tokens")) {
    return FromChat(usage, count);
  }
  if (Has(usage, "promptTokenCount") || Has(usage, "candidatesTokenCount") ||
      Has(usage, "totalTokenCount")) {
    return FromGemini(usage);
  }
  if (Has(usage, "cache_read_tokens") || Has(usage, "cache_write_tokens") ||
      Has(usage, "reasoning_tokens")) {
    return FromNative(usage);
  }
  return FromInputOutput(usage);
}

PriceTable PriceTable::WithDefaults() {
  // List prices in USD per million tokens (input, output, cache read, cache write) as
  // published by the providers in late 2025. Defaults only: config overrides them.
  struct Row {
    const char* model;
    double input, output, cache_read, cache_write;
  };
  static const Row kRows[] = {
      {"xai/grok-4", 3.00, 15.00, 0.75, 0},
      {"xai/grok-code-fast-1", 0.20, 1.50, 0.02, 0},
      {"openai/gpt-5", 1.25, 10.00, 0.125, 0},
      {"openai/gpt-5-mini", 0.25, 2.00, 0.025, 0},
      {"openai/gpt-4.1", 2.00, 8.00, 0.50, 0},
      {"anthropic/claude-sonnet-4-5", 3.00, 15.00, 0.30, 3.75},
      {"anthropic/claude-opus-4-1", 15.00, 75.00, 1.50, 18.75},
      {"anthropic/claude-haiku-4-5", 1.00, 5.00, 0.10, 1.25},
      {"gemini/gemini-2.5-pro", 1.25, 10.00, 0.125, 0},  // Prompts up to 200k tokens.
      {"gemini/gemini-2.5-flash", 0.30, 2.50, 0.03, 0},
  };
  PriceTable table;
  for (const Row& row : kRows) {
    table.Set(row.model, ModelPrice{row.input, row.output, row.cache_read, row.cache_write,
                                    /*is_default=*/true});
  }
  return table;
}

void PriceTable::Set(std::string model, ModelPrice price) {
  prices_.insert_or_assign(std::move(model), price);
}

const ModelPrice* PriceTable::Find(std::string_view model) const {
  if (auto it = prices_.find(model); it != prices_.end()) return &it->second;
  // The bare model id: after '#' in an endpoint URL, else after the provider's '/'.
  std::string_view bare = model;
  if (size_t hash = model.rfind('#'); hash != std::string_view::npos) {
    bare = model.substr(hash + 1);
  } else if (size_t slash = model.find('/'); slash != std::string_view::npos) {
    bare = model.substr(slash + 1);
  }
  if (auto it = prices_.find(bare); it != prices_.end()) return &it->second;
  for (const auto& [name, price] : prices_) {
    std::string_view key = name;
    size_t key_slash = key.find('/');
    if (key_slash != std::string_view::npos && key.substr(key_slash + 1) == bare) return &price;
  }
  return nullptr;
}

Status PriceTable::LoadOverrides(const ConfigFile& file, const toml::table& prices) {
  std::map<std::string, ModelPrice, std::less<>> loaded;
  for (const auto& [key, node] : prices) {
    ASSIGN_OR_RETURN(ModelPrice price, ReadPrice(file, node, key.str()));
    loaded.emplace(std::string(key.str()), price);
  }
  for (auto& [model, price] : loaded) Set(model, price);
  return Status::Ok();
}

void UsageMeter::Record(std::string_view model, const Usage& usage, double cost_usd, bool priced) {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(model);
  if (it == totals_.end()) it = totals_.emplace(std::string(model), UsageTotals{}).first;
  Add(it->second, UsageTotals{1, usage, cost_usd, priced});
}

std::map<std::string, UsageTotals, std::less<>> UsageMeter::ByModel() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

UsageTotals UsageMeter::Total() const {
  std::lock_guard lock(mutex_);
  UsageTotals total;
  for (const auto& [model, totals] : totals_) Add(total, totals);
  return total;
}

}  // namespace mh::llm
