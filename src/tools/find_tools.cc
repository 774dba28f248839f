// list_files and find_files: walks of the worktree that skip .git and never follow a
// symlinked directory.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/builtin_tools.h"
#include "tools/glob.h"
#include "tools/tool_util.h"
#include "tools/workspace_fs.h"

namespace mh::tools {
namespace {
namespace fs = std::filesystem;
using internal::Access;
using internal::BasicTool;
using internal::ErrorResult;

// Bounds the work of one walk on a huge tree, whatever it finds.
constexpr size_t kMaxVisited = 200'000;

struct Entry {
  std::string name;
  fs::file_type type;
};

// The entries of `dir` sorted by name, .git left out.
std::vector<Entry> SortedEntries(const fs::path& dir) {
  std::vector<Entry> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name == ".git") continue;
    entries.push_back({name, it->symlink_status(ec).type()});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return entries;
}

std::string Join(const std::string& rel, const std::string& name) {
  return rel == "." ? name : rel + "/" + name;
}

Result<internal::ResolvedPath> ResolveDirectory(const ToolContext& ctx, const std::string& shown) {
  ASSIGN_OR_RETURN(internal::ResolvedPath path, internal::ResolvePath(ctx, shown, Access::kRead));
  std::error_code ec;
  fs::file_status status = fs::status(path.host, ec);
  if (!fs::exists(status)) return NotFoundError("no such directory: '" + shown + "'");
  if (!fs::is_directory(status)) {
    return InvalidArgumentError("'" + shown + "' is a file, not a directory; use read_file");
  }
  return path;
}

// Shared by both walks: output lines, a cap, and a count of what did not fit.
struct Walk {
  explicit Walk(size_t max_lines) : cap(max_lines) {}

  size_t cap;
  std::vector<std::string> lines;
  size_t visited = 0;
  size_t dropped = 0;

  void Add(std::string line) {
    if (lines.size() < cap) {
      lines.push_back(std::move(line));
    } else {
      ++dropped;
    }
  }
  bool Exhausted() const { return visited >= kMaxVisited; }
};

class ListFilesTool final : public BasicTool {
 public:
  ListFilesTool()
      : BasicTool("list_files",
                  "List the files and directories under a directory of the workspace, "
                  "recursively down to a depth. Directories end with '/', symbolic links show "
                  "their target. .git is skipped.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "path": {"type": "string", "description": "Directory, relative to the workspace root. Default '.'"},
          "depth": {"type": "integer", "minimum": 1, "maximum": 10,
                    "description": "How many levels to descend. Default 2"}
        },
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string shown = internal::StringArg(args, "path", ".");
    Result<internal::ResolvedPath> dir = ResolveDirectory(ctx, shown);
    if (!dir.ok()) return ErrorResult(dir.error());
    Walk walk(static_cast<size_t>(ctx.limits().max_list_entries));
    List(dir->host, dir->rel, static_cast<int>(internal::IntArg(args, "depth", 2)), walk);
    if (walk.lines.empty()) return ToolResult::Text("(the directory '" + shown + "' is empty)");
    std::string out;
    for (const std::string& line : walk.lines) out += line + "\n";
    if (walk.dropped > 0 || walk.Exhausted()) {
      out += "[listing capped at " + std::to_string(walk.cap) +
             " entries; list a subdirectory or use a smaller depth]\n";
    }
    return ToolResult::Text(out);
  }

 private:
  static void List(const fs::path& host, const std::string& rel, int depth, Walk& walk) {
    for (const Entry& entry : SortedEntries(host)) {
      if (walk.Exhausted() || walk.dropped > 0) return;
      ++walk.visited;
      std::string path = Join(rel, entry.name);
      if (entry.type == fs::file_type::directory) {
        walk.Add(path + "/");
        if (depth > 1) List(host / entry.name, path, depth - 1, walk);
      } else if (entry.type == fs::file_type::symlink) {
        std::error_code ec;
        walk.Add(path + " -> " + fs::read_symlink(host / entry.name, ec).string());
      } else {
        walk.Add(path);
      }
    }
  }
};

class FindFilesTool final : public BasicTool {
 public:
  FindFilesTool()
      : BasicTool("find_files",
                  "Find files of the workspace whose path matches a glob pattern. A pattern "
                  "without '/' matches file names anywhere ('*.py'); with '/' it matches the "
                  "path below `path` ('src/**/test_*.py'). Supports *, ?, **, [a-z], {a,b}.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "pattern": {"type": "string", "minLength": 1, "description": "Glob pattern"},
          "path": {"type": "string", "description": "Directory to search, relative to the workspace root. Default '.'"}
        },
        "required": ["pattern"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string pattern = internal::StringArg(args, "pattern");
    std::string shown = internal::StringArg(args, "path", ".");
    Result<internal::ResolvedPath> dir = ResolveDirectory(ctx, shown);
    if (!dir.ok()) return ErrorResult(dir.error());
    Walk walk(static_cast<size_t>(ctx.limits().max_list_entries));
    bool by_name = pattern.find('/') == std::string::npos;
    Find(dir->host, dir->rel, "", pattern, by_name, walk);
    if (walk.lines.empty()) {
      return ToolResult::Text("no files match '" + pattern + "' under '" + shown + "'");
    }
    std::string out;
    for (const std::string& line : walk.lines) out += line + "\n";
    if (walk.dropped > 0) {
      out += "[" + std::to_string(walk.dropped) + " more matches not shown; narrow the pattern]\n";
    }
    if (walk.Exhausted()) {
      out += "[stopped after " + std::to_string(kMaxVisited) + " entries; search a subdirectory]\n";
    }
    return ToolResult::Text(out);
  }

 private:
  static void Find(const fs::path& host, const std::string& rel, const std::string& below,
                   const std::string& pattern, bool by_name, Walk& walk) {
    for (const Entry& entry : SortedEntries(host)) {
      if (walk.Exhausted()) return;
      ++walk.visited;
      std::string sub = below.empty() ? entry.name : below + "/" + entry.name;
      if (entry.type != fs::file_type::directory &&
          internal::GlobMatch(pattern, by_name ? entry.name : sub)) {
        walk.Add(Join(rel, sub));
      }
      if (entry.type == fs::file_type::directory) {
        Find(host / entry.name, rel, sub, pattern, by_name, walk);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Tool> MakeListFilesTool() { return std::make_unique<ListFilesTool>(); }
std::unique_ptr<Tool> MakeFindFilesTool() { return std::make_unique<FindFilesTool>(); }

}  // namespace mh::tools
