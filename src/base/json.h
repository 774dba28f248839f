// JSON helpers over nlohmann::json. JSON is parsed at the edges (llm/, server/, store
// payloads) into native types; the core does not pass raw JSON around.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"

namespace mh {

using Json = nlohmann::json;

// Parses `text`. Errors: kInvalidArgument naming the byte offset and what was wrong.
Result<Json> ParseJson(std::string_view text);

// Serialises with invalid UTF-8 replaced rather than thrown on.
std::string DumpJson(const Json& value, int indent = -1);

}  // namespace mh
