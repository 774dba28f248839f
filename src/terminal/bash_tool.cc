#include "terminal/bash_tool.h"

#include <cstdio>

#include "terminal/bash_session.h"
#include "terminal/launch.h"

namespace mh::terminal {
namespace {

class BashResource final : public tools::SessionResource {
 public:
  explicit BashResource(std::unique_ptr<BashSession> session) : session(std::move(session)) {}
  std::unique_ptr<BashSession> session;
};

Result<BashSession*> ShellFor(tools::ToolContext& ctx, bool restart) {
  if (!restart) {
    if (auto* existing = ctx.resources().Get<BashResource>(kBashResource)) {
      return existing->session.get();
    }
  }
  LaunchRequest request;
  request.argv = BashSession::DriverArgv();
  request.env = {"TERM=dumb", "PAGER=cat", "GIT_PAGER=cat"};
  request.cols = 200;
  BashOptions options;
  ASSIGN_OR_RETURN(options.pty, PrepareLaunch(request, ctx));
  options.output_head_bytes = ctx.limits().output_head_bytes;
  options.output_tail_bytes = ctx.limits().output_tail_bytes;
  ctx.resources().Erase(kBashResource);
  ASSIGN_OR_RETURN(std::unique_ptr<BashSession> session, BashSession::Start(std::move(options)));
  return ctx.resources()
      .Put(kBashResource, std::make_unique<BashResource>(std::move(session)))
      ->session.get();
}

std::string Format(const BashCommandResult& run) {
  char took[32];
  std::snprintf(took, sizeof took, "%.2f s", static_cast<double>(run.duration.count()) / 1000);
  std::string text;
  if (run.exit_code) text = "exit code " + std::to_string(*run.exit_code) + " after " + took;
  if (!run.note.empty()) text += (text.empty() ? "" : "; ") + run.note;
  text += "\n";
  if (run.output.empty()) {
    text += "(no output)\n";
  } else {
    text += run.output;
    if (text.back() != '\n') text += "\n";
  }
  if (run.truncated) {
    text += "[output truncated: " + std::to_string(run.output_bytes) +
            " bytes in all; the middle was cut. Redirect to a file and read parts of it, or "
            "filter with grep/head/tail]\n";
  }
  return text;
}

class BashTool final : public tools::Tool {
 public:
  const std::string& name() const override { return name_; }
  const std::string& description() const override { return description_; }
  const Json& parameters() const override { return parameters_; }

  tools::ToolResult Run(const Json& args, tools::ToolContext& ctx) const override {
    const tools::ToolLimits& limits = ctx.limits();
    int64_t timeout = args.value("timeout", static_cast<int64_t>(limits.default_timeout.count()));
    if (timeout > limits.max_timeout.count()) {
      return tools::ToolResult::Error("bash: timeout must be at most " +
                                      std::to_string(limits.max_timeout.count()) + " seconds");
    }
    Result<BashSession*> shell = ShellFor(ctx, args.value("restart", false));
    if (!shell.ok()) {
      return tools::ToolResult::Error("bash: the shell could not be started: " +
                                      shell.error().message());
    }
    Result<BashCommandResult> run =
        (*shell)->Run(args["command"].get<std::string>(), std::chrono::seconds(timeout));
    if (!run.ok()) return tools::ToolResult::Error("bash: " + run.error().message());
    tools::ToolResult result = tools::ToolResult::Text(Format(*run));
    result.is_error = run->timed_out || run->restarted;
    return result;
  }

 private:
  std::string name_ = "bash";
  std::string description_ =
      "Run a command in a persistent bash shell in the workspace, inside the sandbox (no "
      "network). The working directory, variables and functions persist between calls. "
      "stdin is /dev/null: do not start interactive programs (use the terminal tool). "
      "Returns the exit code and combined stdout/stderr; long output keeps its start and "
      "end. On time-out the command gets C-c; if it does not stop, the shell is restarted "
      "(cwd and variables reset).";
  Json parameters_ = Json::parse(R"json({
    "type": "object",
    "properties": {
      "command": {"type": "string", "minLength": 1, "description": "Shell command(s)"},
      "timeout": {"type": "integer", "minimum": 1,
                  "description": "Time limit in seconds. Default 120"},
      "restart": {"type": "boolean", "description": "Start a fresh shell before running"}
    },
    "required": ["command"],
    "additionalProperties": false})json");
};

}  // namespace

std::unique_ptr<tools::Tool> NewBashTool() { return std::make_unique<BashTool>(); }

}  // namespace mh::terminal
