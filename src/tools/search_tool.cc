// search: regex search of file contents, by running grep through the ProcessRunner.
//
// grep rather than std::regex: std::regex recurses per character and can overflow the
// stack on a long line (a crash a model could trigger), is slow, and cannot be given a
// time limit. grep runs as a child process with an argv (no shell), an explicit
// environment, a time limit and capped output; `grep -r` does not follow symlinks met
// while recursing, and the starting path is checked like every other tool path.
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/process.h"
#include "tools/builtin_tools.h"
#include "tools/tool_util.h"
#include "tools/workspace_fs.h"

namespace mh::tools {
namespace {
using internal::BasicTool;
using internal::ErrorResult;

constexpr std::chrono::seconds kSearchTimeLimit{30};
constexpr size_t kMaxGrepOutput = 4 * 1024 * 1024;

struct Match {
  std::string path;
  std::string line;
  std::string text;
};

// Parses "path\0line:text" lines (grep -Z); other lines are skipped.
std::vector<Match> ParseGrepOutput(std::string_view out, const std::string& rel) {
  std::vector<Match> matches;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string_view::npos) break;  // A partial last line was cut: drop it.
    std::string_view line = out.substr(start, end - start);
    start = end + 1;
    size_t nul = line.find('\0');
    if (nul == std::string_view::npos) continue;
    size_t colon = line.find(':', nul + 1);
    if (colon == std::string_view::npos) continue;
    std::string path(line.substr(0, nul));
    if (rel == "." && path.rfind("./", 0) == 0) path.erase(0, 2);
    matches.push_back({path, std::string(line.substr(nul + 1, colon - nul - 1)),
                       std::string(line.substr(colon + 1))});
  }
  return matches;
}

std::vector<std::string> GrepArgv(const Json& args, const std::string& rel, int64_t per_file) {
  std::vector<std::string> argv = {
      "grep", "-rnIHZE", "--color=never", "--exclude-dir=.git", "-m", std::to_string(per_file)};
  if (internal::BoolArg(args, "case_insensitive", false)) argv.push_back("-i");
  std::string glob = internal::StringArg(args, "glob");
  if (!glob.empty()) argv.push_back("--include=" + glob);
  argv.push_back("-e");
  argv.push_back(internal::StringArg(args, "pattern"));
  argv.push_back("--");
  argv.push_back(rel);
  return argv;
}

class SearchTool final : public BasicTool {
 public:
  SearchTool()
      : BasicTool("search",
                  "Search the contents of files in the workspace with an extended regular "
                  "expression (grep -E syntax). Returns path:line: text for each matching line. "
                  "Binary files and .git are skipped.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "pattern": {"type": "string", "minLength": 1, "description": "Extended regular expression"},
          "path": {"type": "string", "description": "File or directory to search, relative to the workspace root. Default '.'"},
          "glob": {"type": "string", "description": "Only search files whose name matches this glob, e.g. '*.py'"},
          "case_insensitive": {"type": "boolean", "description": "Ignore case. Default false"},
          "max_results": {"type": "integer", "minimum": 1, "maximum": 1000,
                          "description": "Most matching lines to return. Default 100"}
        },
        "required": ["pattern"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string shown = internal::StringArg(args, "path", ".");
    Result<internal::ResolvedPath> path =
        internal::ResolvePath(ctx, shown, internal::Access::kRead);
    if (!path.ok()) return ErrorResult(path.error());
    std::error_code ec;
    if (!std::filesystem::exists(path->host, ec)) {
      return ToolResult::Error("no such file or directory: '" + shown + "'");
    }
    int64_t max_results = std::min<int64_t>(internal::IntArg(args, "max_results", 100),
                                            ctx.limits().max_search_results);
    sandbox::ProcessSpec spec;
    // One more than asked for per file, so a cut can be told from an exact fit.
    spec.argv = GrepArgv(args, path->rel, max_results + 1);
    spec.env = {"PATH=/usr/bin:/bin", "LC_ALL=C"};
    spec.cwd = ctx.workspace().root.string();
    spec.time_limit = kSearchTimeLimit;
    spec.output_head_bytes = kMaxGrepOutput;
    spec.output_tail_bytes = 0;
    Result<sandbox::ProcessResult> run = ctx.runner().Run(spec);
    if (!run.ok()) return ToolResult::Error("search could not run grep: " + run.error().message());
    return Format(*run, path->rel, static_cast<size_t>(max_results), ctx.limits());
  }

 private:
  static ToolResult Format(const sandbox::ProcessResult& run, const std::string& rel,
                           size_t max_results, const ToolLimits& limits) {
    std::vector<Match> matches = ParseGrepOutput(run.stdout_text, rel);
    if (matches.empty() && run.exit_code == 2) {
      return ToolResult::Error("search failed: " + internal::CutLine(run.stderr_text, 500));
    }
    if (matches.empty() && run.timed_out) {
      return ToolResult::Error("search timed out after " +
                               std::to_string(kSearchTimeLimit.count()) +
                               " s with no match; narrow the path or the pattern");
    }
    if (matches.empty()) return ToolResult::Text("no matches");
    std::string out;
    size_t shown = std::min(matches.size(), max_results);
    for (size_t i = 0; i < shown; ++i) {
      out += matches[i].path + ":" + matches[i].line + ": " +
             internal::CutLine(matches[i].text, limits.search_line_chars) + "\n";
    }
    if (matches.size() > shown || run.stdout_truncated) {
      out += "[results capped at " + std::to_string(shown) +
             " matching lines; narrow the pattern or the path, or raise max_results]\n";
    }
    if (run.timed_out) out += "[search timed out: results are incomplete]\n";
    return ToolResult::Text(out);
  }
};

}  // namespace

std::unique_ptr<Tool> MakeSearchTool() { return std::make_unique<SearchTool>(); }

}  // namespace mh::tools
