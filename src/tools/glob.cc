#include "tools/glob.h"

#include <string>

namespace mh::tools::internal {
namespace {

// Matches a class starting at p[0] == '['; sets `consumed` to its length.
bool MatchClass(std::string_view p, char c, size_t& consumed, bool& valid) {
  size_t i = 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool matched = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      if (c >= lo && c <= p[i + 2]) matched = true;
      i += 3;
    } else {
      if (c == lo) matched = true;
      ++i;
    }
  }
  valid = i < p.size();
  consumed = i + 1;
  return matched != negate;
}

bool Match(std::string_view p, std::string_view t) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      p.remove_prefix(2);
      if (!p.empty() && p[0] == '/') {
        std::string_view rest = p.substr(1);
        if (Match(rest, t)) return true;
        for (size_t i = 0; i < t.size(); ++i) {
          if (t[i] == '/' && Match(rest, t.substr(i + 1))) return true;
        }
        return false;
      }
      for (size_t i = 0; i <= t.size(); ++i) {
        if (Match(p, t.substr(i))) return true;
      }
      return false;
    }
    if (p[0] == '*') {
      p.remove_prefix(1);
      for (size_t i = 0;; ++i) {
        if (Match(p, t.substr(i))) return true;
        if (i >= t.size() || t[i] == '/') return false;
      }
    }
    if (t.empty()) return false;
    if (p[0] == '?') {
      if (t[0] == '/') return false;
    } else if (p[0] == '[') {
      size_t consumed = 0;
      bool valid = false;
      bool matched = MatchClass(p, t[0], consumed, valid);
      if (valid) {
        if (!matched || t[0] == '/') return false;
        p.remove_prefix(consumed);
        t.remove_prefix(1);
        continue;
      }
      if (t[0] != '[') return false;  // An unclosed '[' is a literal.
    } else {
      if (p[0] == '\\' && p.size() > 1) p.remove_prefix(1);
      if (p[0] != t[0]) return false;
    }
    p.remove_prefix(1);
    t.remove_prefix(1);
  }
  return t.empty();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  size_t open = pattern.find('{');
  size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
  if (close == std::string_view::npos) return Match(pattern, path);
  std::string_view before = pattern.substr(0, open);
  std::string_view after = pattern.substr(close + 1);
  std::string_view options = pattern.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (true) {
    size_t comma = options.find(',', start);
    std::string_view option = options.substr(start, comma - start);
    std::string expanded = std::string(before) + std::string(option) + std::string(after);
    if (GlobMatch(expanded, path)) return true;
    if (comma == std::string_view::npos) return false;
    start = comma + 1;
  }
}

}  // namespace mh::tools::internal
