// Comparing a replay's diff with the recorded one: patches split per file, a line diff
// between the two for the verdict, and the paths a recorded submission touches.
#include <algorithm>
#include <map>
#include <set>

#include "agent/replay.h"

namespace mh::agent {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

// The path after " b/" in "diff --git a/X b/X".
std::string GitHeaderPath(std::string_view header) {
  size_t b = header.rfind(" b/");
  return std::string(b == std::string_view::npos ? header.substr(11) : header.substr(b + 3));
}

// The path of a "--- a/X" or "+++ b/X" line: without the prefix and a trailing date.
std::string HeaderPath(std::string_view line) {
  std::string_view path = line.substr(4);
  if (size_t tab = path.find('\t'); tab != std::string_view::npos) path = path.substr(0, tab);
  if (path.starts_with("a/") || path.starts_with("b/")) path.remove_prefix(2);
  return std::string(path);
}

// "@@ -a,b +c,d @@": the old and new line counts (1 when a count is left out).
bool HunkCounts(std::string_view line, int64_t* old_count, int64_t* new_count) {
  auto count_after = [&line](char sign, int64_t* out) {
    size_t at = line.find(std::string(" ") + sign);
    if (at == std::string_view::npos) return false;
    size_t end = line.find_first_of(" ", at + 2);
    std::string_view range = line.substr(at + 2, end - at - 2);
    size_t comma = range.find(',');
    *out = comma == std::string_view::npos
               ? 1
               : std::atoll(std::string(range.substr(comma + 1)).c_str());
    return true;
  };
  return count_after('-', old_count) && count_after('+', new_count);
}

struct ParsedFile {
  FilePatch patch;
  std::string old_path;
  int64_t added = 0;
  int64_t removed = 0;
  bool git_header = false;
  bool saw_minus_header = false;
};

// Splits a diff into files, following hunk line counts so that a removed line "-- x"
// is not taken for a header.
std::vector<ParsedFile> Parse(std::string_view diff) {
  std::vector<ParsedFile> files;
  std::vector<std::string_view> lines = Lines(diff);
  int64_t old_left = 0;
  int64_t new_left = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    char c = line.empty() ? ' ' : line[0];
    bool body = c == '+' || c == '-' || c == ' ' || c == '\\';
    if (!body) old_left = new_left = 0;  // A malformed hunk ends at its first odd line.
    if ((old_left > 0 || new_left > 0) && !files.empty()) {
      if (c == '+') ++files.back().added, --new_left;
      if (c == '-') ++files.back().removed, --old_left;
      if (c == ' ') --old_left, --new_left;
    } else if (line.starts_with("diff --git ")) {
      files.push_back({.patch = {.path = GitHeaderPath(line)}, .git_header = true});
    } else if (line.starts_with("--- ") && i + 1 < lines.size() &&
               lines[i + 1].starts_with("+++ ")) {
      if (files.empty() || files.back().saw_minus_header) files.push_back({});
      ParsedFile& f = files.back();
      f.saw_minus_header = true;
      f.old_path = HeaderPath(line);
      std::string new_path = HeaderPath(lines[i + 1]);
      if (f.patch.path.empty()) f.patch.path = new_path == "/dev/null" ? f.old_path : new_path;
    } else if (line.starts_with("@@") && !files.empty()) {
      if (!HunkCounts(line, &old_left, &new_left)) old_left = new_left = 0;
      files.back().saw_minus_header = true;  // A later "---" starts another file.
    } else if (line.starts_with("rename from ") && !files.empty()) {
      files.back().old_path = std::string(line.substr(12));
    }
    if (files.empty()) continue;  // Text before the first file.
    files.back().patch.text.append(line);
    files.back().patch.text += '\n';
  }
  return files;
}

// A file's patch without its "index" line (abbreviated blob ids depend on the
// repository's size; the hunks already say whether the contents agree) and, when
// `headers_only_minus_plus`, without any header line but "---" and "+++".
std::string NormalizeFile(const std::string& text, bool headers_only_minus_plus) {
  std::string out;
  bool header = true;
  for (std::string_view line : Lines(text)) {
    if (line.starts_with("@@")) header = false;
    if (header && line.starts_with("index ")) continue;
    if (header && headers_only_minus_plus && !line.starts_with("--- ") && !line.starts_with("+++ "))
      continue;
    out.append(line);
    out += '\n';
  }
  return out;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string Totals(const std::vector<FileStat>& stats) {
  int64_t added = 0;
  int64_t removed = 0;
  for (const FileStat& s : stats) {
    added += s.added;
    removed += s.removed;
  }
  return std::to_string(stats.size()) + (stats.size() == 1 ? " file" : " files") + ", +" +
         std::to_string(added) + " -" + std::to_string(removed);
}

std::string Stat(const FileStat* s) {
  if (s == nullptr) return "absent";
  return "+" + std::to_string(s->added) + " -" + std::to_string(s->removed);
}

struct Op {
  char kind;  // ' ', '-', '+'.
  std::string_view line;
};

// The edit script from `a` to `b`: a longest common subsequence of the part between the
// common prefix and suffix, or (past a size bound) that part replaced whole.
std::vector<Op> EditScript(const std::vector<std::string_view>& a,
                           const std::vector<std::string_view>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix + prefix < a.size() && suffix + prefix < b.size() &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  size_t n = a.size() - prefix - suffix;
  size_t m = b.size() - prefix - suffix;
  std::vector<Op> ops;
  for (size_t i = 0; i < prefix; ++i) ops.push_back({' ', a[i]});
  constexpr size_t kMaxCells = 4'000'000;
  if (n * m > kMaxCells) {
    for (size_t i = 0; i < n; ++i) ops.push_back({'-', a[prefix + i]});
    for (size_t j = 0; j < m; ++j) ops.push_back({'+', b[prefix + j]});
  } else {
    // lcs[i][j]: the LCS length of a[prefix+i..] and b[prefix+j..].
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1
                                                  : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0;
    size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
        ops.push_back({' ', a[prefix + i]});
        ++i, ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        ops.push_back({'-', a[prefix + i++]});  // Removals first, as diff prints them.
      } else {
        ops.push_back({'+', b[prefix + j++]});
      }
    }
  }
  for (size_t i = a.size() - suffix; i < a.size(); ++i) ops.push_back({' ', a[i]});
  return ops;
}

std::string Range(size_t start, size_t count) {
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

// "  PATH: recorded +A -R, produced absent" for each file whose counts differ.
std::string FileStatLines(const std::vector<FileStat>& recorded,
                          const std::vector<FileStat>& produced) {
  std::map<std::string, std::pair<const FileStat*, const FileStat*>> files;
  for (const FileStat& s : recorded) files[s.path].first = &s;
  for (const FileStat& s : produced) files[s.path].second = &s;
  std::string out;
  for (const auto& [path, pair] : files) {
    if (pair.first != nullptr && pair.second != nullptr && *pair.first == *pair.second) continue;
    out +=
        "  " + path + ": recorded " + Stat(pair.first) + ", produced " + Stat(pair.second) + "\n";
  }
  return out.empty() ? "  same files and line counts; the changed lines differ\n" : out;
}

// Per file whose normalized patches differ (path: recorded, produced), a bounded line diff
// from the recorded patch to the produced one.
std::string Hunks(const std::map<std::string, std::pair<std::string, std::string>>& texts) {
  constexpr size_t kLinesPerFile = 40;
  constexpr size_t kFiles = 5;
  std::string out;
  size_t shown = 0;
  for (const auto& [path, pair] : texts) {
    if (Trimmed(pair.first) == Trimmed(pair.second)) continue;
    if (++shown > kFiles) return out + "  ... and more files differ\n";
    out += "  --- recorded " + path + "\n  +++ produced " + path + "\n";
    std::string hunks = LineDiff(pair.first, pair.second, kLinesPerFile);
    for (std::string_view line : Lines(hunks)) out += "  " + std::string(line) + "\n";
  }
  return out;
}

}  // namespace

std::vector<FilePatch> SplitPatch(std::string_view diff) {
  std::vector<FilePatch> out;
  for (ParsedFile& f : Parse(diff)) out.push_back(std::move(f.patch));
  return out;
}

std::vector<FileStat> DiffStat(std::string_view diff) {
  std::vector<FileStat> stats;
  for (const ParsedFile& f : Parse(diff))
    stats.push_back({.path = f.patch.path, .added = f.added, .removed = f.removed});
  return stats;
}

std::string LineDiff(std::string_view before, std::string_view after, size_t max_lines) {
  constexpr size_t kContext = 3;
  std::vector<Op> ops = EditScript(Lines(before), Lines(after));
  std::vector<std::string> out;
  size_t i = 0;
  size_t a_line = 0;  // Lines of `before` and `after` consumed before ops[i].
  size_t b_line = 0;
  while (i < ops.size()) {
    size_t change = i;
    while (change < ops.size() && ops[change].kind == ' ') ++change;
    if (change == ops.size()) break;
    size_t start = change > kContext ? change - kContext : 0;
    for (; i < start; ++i) ++a_line, ++b_line;  // Equal lines before the hunk.
    // The hunk ends where more than 2 * kContext equal lines follow a change.
    size_t end = change;
    for (size_t equal = 0, k = change; k < ops.size() && equal <= 2 * kContext; ++k) {
      equal = ops[k].kind == ' ' ? equal + 1 : 0;
      if (ops[k].kind != ' ') end = k + 1;
    }
    end = std::min(ops.size(), end + kContext);
    size_t a_count = 0;
    size_t b_count = 0;
    for (size_t k = start; k < end; ++k) {
      if (ops[k].kind != '+') ++a_count;
      if (ops[k].kind != '-') ++b_count;
    }
    out.push_back("@@ -" + Range(a_line, a_count) + " +" + Range(b_line, b_count) + " @@");
    for (; i < end; ++i) out.push_back(ops[i].kind + std::string(ops[i].line));
    a_line += a_count;
    b_line += b_count;
  }
  std::string text;
  for (size_t k = 0; k < out.size() && k < max_lines; ++k) text += out[k] + "\n";
  if (out.size() > max_lines)
    text += "... " + std::to_string(out.size() - max_lines) + " more lines\n";
  return text;
}

std::optional<std::vector<std::string>> RecordedSubmissionPaths(const Trajectory& trajectory) {
  if (trajectory.scope != SubmissionScope::kRecordedPaths || trajectory.submission.empty())
    return std::nullopt;
  std::set<std::string> paths;
  for (const ParsedFile& f : Parse(trajectory.submission)) {
    for (const std::string& p : {f.patch.path, f.old_path}) {
      if (!p.empty() && p != "/dev/null") paths.insert(p);
    }
  }
  return std::vector<std::string>(paths.begin(), paths.end());
}

DiffComparison CompareDiffs(std::string_view recorded, std::string_view produced) {
  std::vector<ParsedFile> rec = Parse(recorded);
  std::vector<ParsedFile> pro = Parse(produced);
  // A patch made without git (diff -u, or cut down by hand) has no "diff --git" lines.
  bool plain = std::any_of(rec.begin(), rec.end(), [](auto& f) { return !f.git_header; }) ||
               std::any_of(pro.begin(), pro.end(), [](auto& f) { return !f.git_header; });
  std::map<std::string, std::pair<std::string, std::string>> texts;  // Path: recorded, produced.
  std::string a;
  std::string b;
  for (const ParsedFile& f : rec)
    a += texts[f.patch.path].first = NormalizeFile(f.patch.text, plain);
  for (const ParsedFile& f : pro)
    b += texts[f.patch.path].second = NormalizeFile(f.patch.text, plain);
  std::vector<FileStat> ra = DiffStat(recorded);
  std::vector<FileStat> pb = DiffStat(produced);
  DiffComparison c;
  if (Trimmed(a) == Trimmed(b)) {
    c.identical = true;
    c.report = "replay: the diff is identical to the recorded one (" + Totals(pb) + ")\n";
    return c;
  }
  c.report = "replay: the diff differs from the recorded one\n  recorded: " + Totals(ra) +
             "\n  produced: " + Totals(pb) + "\n" + FileStatLines(ra, pb) + Hunks(texts);
  return c;
}

}  // namespace mh::agent
