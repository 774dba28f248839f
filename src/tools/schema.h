// A validator for the subset of JSON Schema that tool parameters use.
//
// Supported keywords: type (a name or a list of names: object, array, string,
// integer, number, boolean, null), properties, required, additionalProperties
// (boolean only), items (one schema), enum, minimum, maximum, minLength, maxLength,
// minItems, maxItems. Other keywords (description, default, ...) are ignored.
// An integer is a JSON number with no fractional part (5 and 5.0 both are).
#pragma once

#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace mh::tools {

// Checks `value` against `schema`. Errors: kInvalidArgument with one message naming
// the first problem and where it is, worded for a model to fix its call:
// "missing required argument 'old_text'", "argument 'offset' must be an integer, got
// string \"1\"", "argument 'limit' must be at most 2000, got 5000", "unknown argument
// 'pth' (valid: path, offset, limit)". Thread-safe.
Status ValidateAgainstSchema(const Json& schema, const Json& value);

// "string \"abc\"", "integer 5", "object", "array of 3": how a value is named in errors.
std::string DescribeJsonValue(const Json& value);

}  // namespace mh::tools
