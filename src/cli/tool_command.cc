// `macrohard tool`: list the tools, or call them in a worktree through the same
// registry code path an agent uses.
//
//   macrohard tool list
//   macrohard tool call NAME 'JSON' --workdir DIR [--mount /testbed] [--no-sandbox]
//   macrohard tool call --workdir DIR < calls.jsonl   (one {"tool","args"} per line)
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/tool_sets.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "tools/builtin_tools.h"
#include "tools/registry.h"

namespace mh::cli {
namespace {

struct ToolCallOptions {
  std::string name;
  std::string args = "{}";
  std::string workdir = ".";
  std::string mount;
  bool no_sandbox = false;
  int max_timeout = 600;
};

std::string Base64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Json ResultToJson(const tools::ToolResult& result) {
  Json out = {{"is_error", result.is_error},
              {"text", result.text},
              {"outcome", tools::SessionOutcomeName(result.outcome)}};
  if (result.outcome == tools::SessionOutcome::kSubmitted) out["summary"] = result.summary;
  if (result.outcome == tools::SessionOutcome::kBlocked) out["question"] = result.question;
  if (!result.images.empty()) {
    out["images"] = Json::array();
    for (const tools::ToolImage& image : result.images) {
      out["images"].push_back({{"media_type", image.media_type}, {"base64", Base64(image.data)}});
    }
  }
  return out;
}

void PrintLine(const Json& value) {
  std::string line = DumpJson(value) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

// One stdin line {"tool": NAME, "args": {...}} run in the shared context.
Json RunLine(const tools::ToolRegistry& registry, tools::ToolContext& ctx, const std::string& line,
             int number) {
  std::string where = "line " + std::to_string(number) + ": ";
  Result<Json> call = ParseJson(line);
  if (!call.ok()) {
    return ResultToJson(tools::ToolResult::Error(where + call.error().message()));
  }
  if (!call->is_object() || !call->contains("tool") || !(*call)["tool"].is_string()) {
    return ResultToJson(
        tools::ToolResult::Error(where + "expected {\"tool\": NAME, \"args\": {...}}"));
  }
  Json args = call->value("args", Json::object());
  return ResultToJson(registry.CallJson((*call)["tool"].get<std::string>(), args, ctx));
}

int RunCalls(const ToolCallOptions& options) {
  tools::ToolRegistry registry;
  Status registered = RegisterAllTools(registry);
  if (!registered.ok()) {
    std::fprintf(stderr, "macrohard tool: %s\n", registered.message().c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::path workdir = std::filesystem::canonical(options.workdir, ec);
  if (ec || !std::filesystem::is_directory(workdir)) {
    std::fprintf(stderr, "macrohard tool: --workdir %s is not a directory\n",
                 options.workdir.c_str());
    return 2;
  }
  auto runner = sandbox::RealProcessRunner::Create();
  if (!runner.ok()) {
    std::fprintf(stderr, "macrohard tool: %s\n", runner.error().message().c_str());
    return 1;
  }
  std::optional<sandbox::SandboxedRunner> sandboxed;
  tools::ToolContext::Options ctx_options;
  ctx_options.workspace.root = workdir;
  ctx_options.limits.max_timeout = std::chrono::seconds(options.max_timeout);
  ctx_options.clock = &SystemClock();
  ctx_options.runner = runner->get();
  if (options.no_sandbox) {
    ctx_options.command_runner = runner->get();
  } else {
    sandbox::SandboxConfig config;
    config.worktree = workdir.string();
    config.mount_point = options.mount;
    Result<sandbox::Sandbox> made = sandbox::Sandbox::Create(config);
    if (made.ok()) {
      sandboxed.emplace(**runner, std::move(*made));
      ctx_options.command_runner = &*sandboxed;
      ctx_options.workspace.mount_path = sandboxed->sandbox().mount_point();
    } else {
      std::fprintf(stderr, "macrohard tool: no sandbox (%s); run_command is unavailable\n",
                   made.error().message().c_str());
    }
  }
  auto ctx = tools::ToolContext::Create(std::move(ctx_options));
  if (!ctx.ok()) {
    std::fprintf(stderr, "macrohard tool: %s\n", ctx.error().message().c_str());
    return 1;
  }
  if (!options.name.empty()) {
    PrintLine(ResultToJson(registry.Call(options.name, options.args, **ctx)));
    return 0;
  }
  std::string line;
  for (int number = 1; std::getline(std::cin, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    PrintLine(RunLine(registry, **ctx, line, number));
  }
  return 0;
}

int ListTools() {
  tools::ToolRegistry registry;
  Status registered = RegisterAllTools(registry);
  if (!registered.ok()) {
    std::fprintf(stderr, "macrohard tool: %s\n", registered.message().c_str());
    return 1;
  }
  std::printf("%s\n", DumpJson(registry.Describe(), 2).c_str());
  return 0;
}

}  // namespace

Command RegisterTool(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("tool", "list the agent tools, or call them in a directory");
  sub->require_subcommand(1);
  CLI::App* list = sub->add_subcommand("list", "print every tool with its JSON schema");
  CLI::App* call = sub->add_subcommand(
      "call",
      "run one tool call and print its result as JSON; with no NAME, read one "
      "{\"tool\": NAME, \"args\": {...}} per line from stdin and run them in one session");
  auto options = std::make_shared<ToolCallOptions>();
  call->add_option("name", options->name, "tool name; omit to read calls from stdin");
  call->add_option("args", options->args, "arguments as a JSON object (default {})");
  call->add_option("--workdir", options->workdir, "the worktree the tools work in (default .)");
  call->add_option("--mount", options->mount,
                   "where commands see the worktree inside the sandbox (default: its own path)");
  call->add_flag("--no-sandbox", options->no_sandbox,
                 "run commands directly on the host instead of in bubblewrap");
  call->add_option("--max-timeout", options->max_timeout,
                   "largest run_command timeout allowed, in seconds (default 600)")
      ->check(CLI::PositiveNumber);
  return {sub, [list, options] { return list->parsed() ? ListTools() : RunCalls(*options); }};
}

}  // namespace mh::cli
