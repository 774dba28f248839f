#include "llm/model_limits.h"

#include <algorithm>

namespace mh::llm {

ModelLimits DefaultModelLimits(std::string_view model_id) {
  // Published context windows and output limits (tokens) as of late 2025; 0 where the
  // provider publishes none. Longest prefixes first, as the first match wins.
  struct Row {
    std::string_view prefix;
    int64_t context_window;
    int64_t output_limit;
  };
  static constexpr Row kRows[] = {
      {"grok-code-fast-1", 256'000, 0},       {"grok-4", 256'000, 0},
      {"gpt-5-mini", 400'000, 128'000},       {"gpt-5", 400'000, 128'000},
      {"gpt-4.1", 1'047'576, 32'768},         {"claude-sonnet-4-5", 200'000, 64'000},
      {"claude-opus-4-1", 200'000, 32'000},   {"claude-haiku-4-5", 200'000, 64'000},
      {"deepseek-reasoner", 128'000, 64'000}, {"deepseek-chat", 128'000, 8'000},
      {"gemini-2.0-flash", 1'048'576, 8'192}, {"gemini-2.5-", 1'048'576, 65'536},
      {"gemini-3", 1'048'576, 65'536},
  };
  for (const Row& row : kRows) {
    if (model_id.starts_with(row.prefix)) return {row.context_window, row.output_limit};
  }
  return {};
}

ModelLimits WithOverrides(ModelLimits defaults, const ModelLimits& overrides) {
  if (overrides.context_window > 0) defaults.context_window = overrides.context_window;
  if (overrides.output_limit > 0) defaults.output_limit = overrides.output_limit;
  return defaults;
}

int FitMaxTokens(int requested, const ModelLimits& limits, int64_t prompt_tokens) {
  int64_t fitted = requested;
  if (limits.output_limit > 0) fitted = std::min(fitted, limits.output_limit);
  if (limits.context_window > 0) {
    int64_t left = limits.context_window - prompt_tokens;
    fitted = std::min(fitted, std::max(left, kMinReplyTokens));
  }
  return static_cast<int>(std::max<int64_t>(fitted, 1));
}

}  // namespace mh::llm
