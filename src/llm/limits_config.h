// Model limits from TOML: a table of model names, each with its context window and
// output limit, as the user configuration ([llm.limits]) and company.toml
// ([model_limits]) write them:
//
//   [llm.limits."vllm/qwen3-32b"]
//   context_window = 32768
//   output_limit = 4096
#pragma once

#include <map>
#include <string>

#include "base/config.h"
#include "base/status.h"
#include "llm/model_limits.h"

namespace mh::llm {

// Limits by model name, exactly as given to MakeModel ("xai/grok-4").
using LimitsByModel = std::map<std::string, ModelLimits, std::less<>>;

// Reads `table` (model name -> {context_window, output_limit}). Errors, naming the line:
// a value that is not a table, an unknown key, a limit that is not a positive integer,
// an output limit above the context window.
Result<LimitsByModel> LoadModelLimits(const ConfigFile& file, const toml::table& table);

// The limits for `name` in `table`, or {0, 0} (keep the defaults) when it has none.
ModelLimits LimitsFor(const LimitsByModel& table, std::string_view name);

}  // namespace mh::llm
