// read_file, write_file, edit_file.
#include <string>
#include <string_view>
#include <vector>

#include "tools/builtin_tools.h"
#include "tools/tool_util.h"
#include "tools/workspace_fs.h"

namespace mh::tools {
namespace {
using internal::Access;
using internal::BasicTool;
using internal::ErrorResult;
using internal::Plural;

// Files larger than this are refused by read_file and edit_file: the model should
// page through them with sed/head in run_command.
constexpr size_t kMaxFileBytes = 32 * 1024 * 1024;

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string NumberedLine(size_t number, std::string_view line, size_t max_chars) {
  std::string n = std::to_string(number);
  std::string out(n.size() < 6 ? 6 - n.size() : 0, ' ');
  return out + n + "\t" + internal::CutLine(line, max_chars) + "\n";
}

Result<std::string> ReadText(const ToolContext& ctx, const internal::ResolvedPath& path,
                             std::string_view shown) {
  Result<std::string> content = internal::ReadFileBeneath(ctx, path.rel, kMaxFileBytes);
  if (!content.ok() && content.error().code() == StatusCode::kResourceExhausted) {
    return ResourceExhaustedError(content.error().message() +
                                  "; use run_command with sed -n or head to read parts of it");
  }
  if (!content.ok()) return content;
  if (internal::LooksBinary(*content)) {
    return InvalidArgumentError("'" + std::string(shown) + "' looks like a binary file (" +
                                std::to_string(content->size()) +
                                " bytes); this tool handles text only. Inspect it with "
                                "run_command (file, xxd | head) if you need to");
  }
  return content;
}

class ReadFileTool final : public BasicTool {
 public:
  ReadFileTool()
      : BasicTool("read_file",
                  "Read a text file of the workspace. Lines are prefixed with their numbers "
                  "(a tab follows the number). Use offset and limit to read part of a long file.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "path": {"type": "string", "description": "File path, relative to the workspace root"},
          "offset": {"type": "integer", "minimum": 1,
                     "description": "First line to show (1-based). Default 1"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100000,
                    "description": "Most lines to show. Default 2000"}
        },
        "required": ["path"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string shown = internal::StringArg(args, "path");
    Result<internal::ResolvedPath> path = internal::ResolvePath(ctx, shown, Access::kRead);
    if (!path.ok()) return ErrorResult(path.error());
    Result<std::string> content = ReadText(ctx, *path, shown);
    if (!content.ok()) return ErrorResult(content.error());
    std::vector<std::string_view> lines = SplitLines(*content);
    if (lines.empty()) return ToolResult::Text("(the file '" + shown + "' is empty)");
    size_t offset = static_cast<size_t>(internal::IntArg(args, "offset", 1));
    size_t limit = static_cast<size_t>(internal::IntArg(args, "limit", 2000));
    if (offset > lines.size()) {
      return ToolResult::Error("offset " + std::to_string(offset) + " is past the end of '" +
                               shown + "', which has " + Plural(lines.size(), "line"));
    }
    return ToolResult::Text(Format(lines, offset, limit, ctx.limits()));
  }

 private:
  static std::string Format(const std::vector<std::string_view>& lines, size_t offset, size_t limit,
                            const ToolLimits& limits) {
    std::string out;
    size_t last = offset - 1;  // 1-based number of the last line shown.
    bool capped = false;
    for (size_t i = offset - 1; i < lines.size() && i < offset - 1 + limit; ++i) {
      std::string line = NumberedLine(i + 1, lines[i], limits.max_line_chars);
      if (out.size() + line.size() > limits.read_max_bytes && i > offset - 1) {
        capped = true;
        break;
      }
      out += line;
      last = i + 1;
    }
    if (last < lines.size()) {
      out += "[showing lines " + std::to_string(offset) + "-" + std::to_string(last) + " of " +
             std::to_string(lines.size()) +
             (capped ? " (output capped at " + std::to_string(limits.read_max_bytes) + " bytes)"
                     : std::string()) +
             "; continue with offset=" + std::to_string(last + 1) + "]\n";
    }
    return out;
  }
};

class WriteFileTool final : public BasicTool {
 public:
  WriteFileTool()
      : BasicTool("write_file",
                  "Create or overwrite a file of the workspace with the given content. Missing "
                  "parent directories are created. Prefer edit_file to change part of a file.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "path": {"type": "string", "description": "File path, relative to the workspace root"},
          "content": {"type": "string", "description": "The whole new content of the file"}
        },
        "required": ["path", "content"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string shown = internal::StringArg(args, "path");
    std::string content = internal::StringArg(args, "content");
    Result<internal::ResolvedPath> path = internal::ResolvePath(ctx, shown, Access::kWrite);
    if (!path.ok()) return ErrorResult(path.error());
    std::error_code ec;
    bool existed = std::filesystem::exists(std::filesystem::symlink_status(path->host, ec));
    Status written = internal::WriteFileBeneath(ctx, path->rel, content);
    if (!written.ok()) return ErrorResult(written);
    size_t lines = SplitLines(content).size();
    return ToolResult::Text(std::string(existed ? "overwrote '" : "created '") + path->rel + "' (" +
                            Plural(content.size(), "byte") + ", " + Plural(lines, "line") + ")");
  }
};

// Offsets of the non-overlapping occurrences of `needle` in `text`.
std::vector<size_t> FindAll(std::string_view text, std::string_view needle) {
  std::vector<size_t> found;
  for (size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    found.push_back(pos);
  }
  return found;
}

class EditFileTool final : public BasicTool {
 public:
  EditFileTool()
      : BasicTool("edit_file",
                  "Replace exact text in a file of the workspace. old_text must occur exactly "
                  "once (include enough surrounding lines to make it unique), unless "
                  "replace_all is true. Whitespace and indentation must match exactly.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "path": {"type": "string", "description": "File path, relative to the workspace root"},
          "old_text": {"type": "string", "minLength": 1, "description": "Exact text to replace"},
          "new_text": {"type": "string", "description": "Replacement text"},
          "replace_all": {"type": "boolean",
                          "description": "Replace every occurrence. Default false"}
        },
        "required": ["path", "old_text", "new_text"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    std::string shown = internal::StringArg(args, "path");
    std::string old_text = internal::StringArg(args, "old_text");
    std::string new_text = internal::StringArg(args, "new_text");
    bool replace_all = internal::BoolArg(args, "replace_all", false);
    if (old_text == new_text) {
      return ToolResult::Error("old_text and new_text are the same; nothing would change");
    }
    Result<internal::ResolvedPath> path = internal::ResolvePath(ctx, shown, Access::kWrite);
    if (!path.ok()) return ErrorResult(path.error());
    Result<std::string> content = ReadText(ctx, *path, shown);
    if (!content.ok()) return ErrorResult(content.error());
    std::vector<size_t> found = FindAll(*content, old_text);
    if (found.empty()) {
      return ToolResult::Error("old_text was found 0 times in '" + shown +
                               "'; it must match the file exactly, including whitespace and "
                               "indentation (read_file shows the current text)");
    }
    if (found.size() > 1 && !replace_all) return Ambiguous(*content, found, shown);
    std::string updated;
    size_t done = 0;
    for (size_t pos : found) {
      updated.append(*content, done, pos - done);
      updated += new_text;
      done = pos + old_text.size();
    }
    updated.append(*content, done);
    Status written = internal::WriteFileBeneath(ctx, path->rel, updated);
    if (!written.ok()) return ErrorResult(written);
    return ToolResult::Text("replaced " + Plural(found.size(), "occurrence") + " in '" + path->rel +
                            "'\n" + Snippet(updated, found[0], new_text.size(), ctx.limits()));
  }

 private:
  static ToolResult Ambiguous(std::string_view content, const std::vector<size_t>& found,
                              std::string_view shown) {
    std::string where;
    for (size_t i = 0; i < found.size() && i < 10; ++i) {
      where += (i == 0 ? "" : ", ") + std::to_string(internal::LineOfOffset(content, found[i]));
    }
    if (found.size() > 10) where += ", ...";
    return ToolResult::Error("old_text was found " + std::to_string(found.size()) + " times in '" +
                             std::string(shown) + "' (starting at lines " + where +
                             "); add surrounding context to make it unique, or set replace_all "
                             "to true to replace every occurrence");
  }

  // The edited region of `text` with three lines of context either side, numbered.
  static std::string Snippet(std::string_view text, size_t pos, size_t length,
                             const ToolLimits& limits) {
    constexpr size_t kContext = 3;
    constexpr size_t kMaxLines = 40;
    size_t first = internal::LineOfOffset(text, pos);
    size_t last = internal::LineOfOffset(text, pos + length);
    first = first > kContext ? first - kContext : 1;
    std::vector<std::string_view> lines = SplitLines(text);
    last = std::min(lines.size(), std::min(last + kContext, first + kMaxLines - 1));
    std::string out;
    for (size_t n = first; n <= last; ++n) {
      out += NumberedLine(n, lines[n - 1], limits.max_line_chars);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Tool> MakeReadFileTool() { return std::make_unique<ReadFileTool>(); }
std::unique_ptr<Tool> MakeWriteFileTool() { return std::make_unique<WriteFileTool>(); }
std::unique_ptr<Tool> MakeEditFileTool() { return std::make_unique<EditFileTool>(); }

}  // namespace mh::tools
