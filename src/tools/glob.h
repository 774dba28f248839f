// Glob patterns for find_files (internal to tools/).
#pragma once

#include <string_view>

namespace mh::tools::internal {

// Matches `path` ('/'-separated) against `pattern`: `*` and `?` match within one path
// component, `**` matches across components (`**/` also matches no directory at all),
// `[abc]`, `[a-z]` and `[!a]` are character classes, `{cc,h}` alternatives (not nested),
// and `\` escapes the next character. Thread-safe.
bool GlobMatch(std::string_view pattern, std::string_view path);

}  // namespace mh::tools::internal
