// run_command: `bash -c COMMAND` in the session's sandbox, in the worktree.
#include <cstdio>
#include <string>

#include "sandbox/process.h"
#include "tools/builtin_tools.h"
#include "tools/tool_util.h"

namespace mh::tools {
namespace {
using internal::BasicTool;

// The whole environment of a command: nothing of ours (API keys) is passed on.
const std::vector<std::string>& CommandEnvironment() {
  static const std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/macrohard/bin",
      "LANG=C.UTF-8",
      "TERM=dumb",
      "PAGER=cat",
      "GIT_PAGER=cat",
      "HOME=/tmp",
  };
  return env;
}

std::string Seconds(std::chrono::nanoseconds d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", static_cast<double>(d.count()) / 1e9);
  return buffer;
}

std::string Describe(const sandbox::ProcessResult& run, std::chrono::seconds limit) {
  if (run.timed_out) {
    return "timed out after " + std::to_string(limit.count()) +
           " s: the command and everything it started were killed";
  }
  std::string how = run.term_signal != 0 ? "killed by signal " + std::to_string(run.term_signal)
                                         : "exit code " + std::to_string(run.exit_code);
  if (run.memory_limit_hit) how += " (memory limit reached)";
  if (run.process_limit_hit) how += " (process limit reached)";
  return how + " after " + Seconds(run.duration);
}

class RunCommandTool final : public BasicTool {
 public:
  RunCommandTool()
      : BasicTool("run_command",
                  "Run a shell command with bash -c in the workspace directory, inside the "
                  "sandbox (no network). Each call starts a fresh shell: cd and variables do "
                  "not carry over. Returns the exit code and the combined stdout and stderr; "
                  "long output keeps its start and end. Do not start interactive programs.",
                  Json::parse(R"({
        "type": "object",
        "properties": {
          "command": {"type": "string", "minLength": 1, "description": "Shell command"},
          "timeout": {"type": "integer", "minimum": 1,
                      "description": "Time limit in seconds. Default 120"}
        },
        "required": ["command"],
        "additionalProperties": false})")) {}

  ToolResult Run(const Json& args, ToolContext& ctx) const override {
    if (ctx.command_runner() == nullptr) {
      return ToolResult::Error("run_command is not available in this session (no sandbox)");
    }
    const ToolLimits& limits = ctx.limits();
    std::chrono::seconds timeout{internal::IntArg(args, "timeout", limits.default_timeout.count())};
    if (timeout > limits.max_timeout) {
      return ToolResult::Error("timeout must be at most " +
                               std::to_string(limits.max_timeout.count()) + " seconds, got " +
                               std::to_string(timeout.count()));
    }
    sandbox::ProcessSpec spec;
    spec.argv = {"bash", "-c", internal::StringArg(args, "command")};
    spec.env = CommandEnvironment();
    const Workspace& workspace = ctx.workspace();
    spec.cwd = workspace.mount_path.empty() ? workspace.root.string() : workspace.mount_path;
    spec.time_limit = timeout;
    spec.output_head_bytes = limits.output_head_bytes;
    spec.output_tail_bytes = limits.output_tail_bytes;
    spec.merge_stderr = true;
    Result<sandbox::ProcessResult> run = ctx.command_runner()->Run(spec);
    if (!run.ok())
      return ToolResult::Error("the command could not be started: " + run.error().message());
    return Format(*run, timeout);
  }

 private:
  static ToolResult Format(const sandbox::ProcessResult& run, std::chrono::seconds limit) {
    std::string text = Describe(run, limit) + "\n";
    if (run.stdout_text.empty()) {
      text += "(no output)\n";
    } else {
      text += run.stdout_text;
      if (text.back() != '\n') text += "\n";
    }
    if (run.stdout_truncated) {
      text += "[output truncated: " + std::to_string(run.stdout_bytes) +
              " bytes in all; the middle was cut. Redirect to a file and read parts of it, or "
              "filter with grep/head/tail]\n";
    }
    ToolResult result = ToolResult::Text(std::move(text));
    result.is_error = run.timed_out;
    return result;
  }
};

}  // namespace

std::unique_ptr<Tool> MakeRunCommandTool() { return std::make_unique<RunCommandTool>(); }

}  // namespace mh::tools
