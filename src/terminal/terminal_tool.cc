#include "terminal/terminal_tool.h"

#include <algorithm>
#include <cmath>

#include "terminal/launch.h"
#include "terminal/pty_session.h"

namespace mh::terminal {
namespace {

using std::chrono::milliseconds;
using tools::ToolResult;

class TerminalResource final : public tools::SessionResource {
 public:
  explicit TerminalResource(std::unique_ptr<PtySession> session) : session(std::move(session)) {}
  std::unique_ptr<PtySession> session;
};

std::string ResourceName(const Json& args) {
  return kTerminalResourcePrefix + args.value("name", std::string("main"));
}

std::string Header(const std::string& name, PtySession& session) {
  const Screen& screen = session.screen();
  CursorPos cursor = session.screen().cursor();
  std::optional<ExitInfo> ended = session.exit_info();
  return "[terminal " + name + ": " + std::to_string(screen.cols()) + "x" +
         std::to_string(screen.rows()) + ", cursor row " + std::to_string(cursor.row + 1) +
         " col " + std::to_string(cursor.col + 1) + ", " +
         (ended ? "program ended: " + ended->Describe() : std::string("running")) + "]\n";
}

std::string ScreenText(const std::string& name, PtySession& session, int scrollback) {
  std::string text = Header(name, session);
  const auto& history = session.screen().scrollback();
  size_t lines = std::min<size_t>(static_cast<size_t>(std::max(scrollback, 0)), history.size());
  if (lines > 0) {
    text += "--- scrollback (" + std::to_string(lines) + " lines) ---\n";
    for (size_t i = history.size() - lines; i < history.size(); ++i) text += history[i] + "\n";
    text += "--- screen ---\n";
  }
  return text + session.screen().Text();
}

class TerminalTool final : public tools::Tool {
 public:
  const std::string& name() const override { return name_; }
  const std::string& description() const override { return description_; }
  const Json& parameters() const override { return parameters_; }

  ToolResult Run(const Json& args, tools::ToolContext& ctx) const override {
    std::string action = args["action"].get<std::string>();
    if (action == "list") return List(ctx);
    std::string name = args.value("name", std::string("main"));
    if (action == "start") return Start(args, ctx);
    auto* resource = ctx.resources().Get<TerminalResource>(ResourceName(args));
    if (resource == nullptr) {
      return Error("no terminal named '" + name + "'; start one with action \"start\"");
    }
    PtySession& session = *resource->session;
    if (action == "close") {
      ctx.resources().Erase(ResourceName(args));
      return ToolResult::Text("terminal " + name + " closed");
    }
    if (action == "read") {
      session.Pump();
      return ToolResult::Text(ScreenText(name, session, args.value("scrollback", 0)));
    }
    if (action == "resize") {
      Status resized = session.Resize(args.value("rows", session.screen().rows()),
                                      args.value("cols", session.screen().cols()));
      if (!resized.ok()) return Error(resized.message());
      return AfterWait(name, session, args, ctx, milliseconds(100));
    }
    if (action == "send") return Send(name, session, args, ctx);
    return AfterWait(name, session, args, ctx, milliseconds(0));  // "wait"
  }

 private:
  static ToolResult Error(const std::string& message) {
    return ToolResult::Error("terminal: " + message);
  }

  static ToolResult List(tools::ToolContext& ctx) {
    std::string text;
    for (const std::string& resource : ctx.resources().Names()) {
      if (resource.rfind(kTerminalResourcePrefix, 0) != 0) continue;
      auto* terminal = ctx.resources().Get<TerminalResource>(resource);
      if (terminal == nullptr) continue;
      std::string name = resource.substr(std::string(kTerminalResourcePrefix).size());
      text += Header(name, *terminal->session);
    }
    return ToolResult::Text(text.empty() ? "no terminals" : text);
  }

  ToolResult Start(const Json& args, tools::ToolContext& ctx) const {
    LaunchRequest request;
    if (args.contains("argv")) {
      request.argv = args["argv"].get<std::vector<std::string>>();
    } else if (args.contains("command")) {
      request.argv = {"bash", "-c", args["command"].get<std::string>()};
    } else {
      request.argv = {"bash", "--norc", "-i"};
    }
    request.env = {"TERM=xterm-256color"};
    request.cols = args.value("cols", 80);
    request.rows = args.value("rows", 24);
    std::string name = args.value("name", std::string("main"));
    if (ctx.resources().Get<TerminalResource>(ResourceName(args)) != nullptr) {
      return Error("a terminal named '" + name + "' is running; close it first or pick a name");
    }
    Result<PtyOptions> options = PrepareLaunch(request, ctx);
    if (!options.ok()) return Error(options.error().message());
    Result<std::unique_ptr<PtySession>> session = PtySession::Start(*options);
    if (!session.ok()) return Error(session.error().message());
    PtySession* started =
        ctx.resources()
            .Put(ResourceName(args), std::make_unique<TerminalResource>(std::move(*session)))
            ->session.get();
    return AfterWait(name, *started, args, ctx, milliseconds(300));
  }

  ToolResult Send(const std::string& name, PtySession& session, const Json& args,
                  tools::ToolContext& ctx) const {
    milliseconds io_limit(5000);
    if (args.contains("text")) {
      Status sent = session.SendText(args["text"].get<std::string>(), io_limit);
      if (!sent.ok()) return Error(sent.message());
    }
    if (args.contains("keys")) {
      Status sent = session.SendKeys(args["keys"].get<std::vector<std::string>>(), io_limit);
      if (!sent.ok()) return Error(sent.message());
    }
    return AfterWait(name, session, args, ctx, milliseconds(100));
  }

  // Waits as `args` asks (or for `default_quiet` of silence when it asks nothing), then
  // returns the screen.
  static ToolResult AfterWait(const std::string& name, PtySession& session, const Json& args,
                              tools::ToolContext& ctx, milliseconds default_quiet) {
    WaitCondition condition;
    condition.text = args.value("until_text", std::string());
    if (args.contains("until_regex")) {
      try {
        condition.regex.emplace(args["until_regex"].get<std::string>());
      } catch (const std::regex_error& e) {
        return Error(std::string("until_regex is not a valid regular expression: ") + e.what());
      }
    }
    condition.quiet = milliseconds(args.value("quiet_ms", int64_t{0}));
    bool asked = !condition.text.empty() || condition.regex || condition.quiet.count() > 0;
    if (!asked) condition.quiet = default_quiet;
    double max_seconds = static_cast<double>(ctx.limits().max_timeout.count());
    double seconds = std::min(args.value("timeout", asked ? 10.0 : 2.0), max_seconds);
    auto limit = milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
    std::string prefix;
    if (asked || condition.quiet.count() > 0) {
      WaitOutcome outcome = session.Wait(condition, limit);
      if (asked) prefix = std::string("wait: ") + WaitOutcomeName(outcome) + "\n";
    } else {
      session.Pump();
    }
    return ToolResult::Text(prefix + ScreenText(name, session, args.value("scrollback", 0)));
  }

  std::string name_ = "terminal";
  std::string description_ =
      "Use persistent terminals (a pseudo-terminal with a screen, like a person at xterm) in "
      "the workspace, inside the sandbox. action=start runs `command` (bash -c) or `argv` "
      "(default: an interactive bash) at cols x rows; send types `text` then presses `keys` "
      "(Enter, Tab, Escape, Backspace, Up/Down/Left/Right, Home, End, PageUp, PageDown, "
      "F1-F12, C-c, M-x, ctrl+d...); read shows the screen (and `scrollback` lines); wait "
      "waits for until_text, until_regex or quiet_ms of silence (timeout seconds); resize; "
      "close; list. Several terminals can run at once under different `name`s. start, send, "
      "wait and resize return the screen with a header line giving size and cursor (1-based).";
  Json parameters_ = Json::parse(R"json({
    "type": "object",
    "properties": {
      "action": {"type": "string",
                 "enum": ["start", "send", "read", "wait", "resize", "close", "list"]},
      "name": {"type": "string", "minLength": 1, "description": "Terminal name, default main"},
      "command": {"type": "string", "description": "start: shell command to run"},
      "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1,
               "description": "start: program and arguments"},
      "cols": {"type": "integer", "minimum": 10, "maximum": 500},
      "rows": {"type": "integer", "minimum": 2, "maximum": 200},
      "text": {"type": "string", "description": "send: text typed as is"},
      "keys": {"type": "array", "items": {"type": "string"},
               "description": "send: named keys pressed after the text"},
      "until_text": {"type": "string", "minLength": 1},
      "until_regex": {"type": "string", "minLength": 1},
      "quiet_ms": {"type": "integer", "minimum": 1},
      "timeout": {"type": "number", "exclusiveMinimum": 0,
                  "description": "Seconds to wait at most (default 10 with a condition)"},
      "scrollback": {"type": "integer", "minimum": 0,
                     "description": "Lines of history to show above the screen"}
    },
    "required": ["action"],
    "additionalProperties": false})json");
};

}  // namespace

std::unique_ptr<tools::Tool> NewTerminalTool() { return std::make_unique<TerminalTool>(); }

}  // namespace mh::terminal
