// ModelLimits: how much a model reads (its context window) and writes (its output limit),
// with defaults for well-known models, and fitting a request's max_tokens to what is left.
#pragma once

#include <cstdint>
#include <string_view>

namespace mh::llm {

// 0 means unknown: nothing is fitted against it.
struct ModelLimits {
  int64_t context_window = 0;  // Input plus output tokens the model takes.
  int64_t output_limit = 0;    // The most output tokens one reply may have.
};

// Published limits of a handful of well-known models (late 2025), by model id; a dated or
// suffixed id (claude-sonnet-4-5-20250929) matches its family. Unknown ids: {0, 0}.
ModelLimits DefaultModelLimits(std::string_view model_id);

// `overrides` field by field over `defaults` (a 0 field keeps the default).
ModelLimits WithOverrides(ModelLimits defaults, const ModelLimits& overrides);

// The max_tokens to send: `requested`, capped by the output limit and by what the window
// leaves after `prompt_tokens` (an estimate), but never below `kMinReplyTokens` (a
// prompt that fills the window is the provider's to refuse, in its own words).
inline constexpr int64_t kMinReplyTokens = 256;
int FitMaxTokens(int requested, const ModelLimits& limits, int64_t prompt_tokens);

}  // namespace mh::llm
