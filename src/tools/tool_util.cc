#include "tools/tool_util.h"

#include <algorithm>

namespace mh::tools::internal {

std::string StringArg(const Json& args, const char* key, std::string fallback) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

int64_t IntArg(const Json& args, const char* key, int64_t fallback) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_number()) return fallback;
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return it->get<int64_t>();
}

bool BoolArg(const Json& args, const char* key, bool fallback) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

ToolResult ErrorResult(const Status& status) { return ToolResult::Error(status.message()); }

std::string Plural(uint64_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string CutLine(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  size_t cut = max_chars;
  // Back up to the start of a UTF-8 sequence so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "... [" + std::to_string(text.size() - cut) +
         " more characters]";
}

size_t LineOfOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace mh::tools::internal
