// `macrohard chat --model M "prompt"`: one conversation with a model, streamed to the
// terminal. The model may call one harmless built-in tool, get_time, so tool calling
// can be tried against a real endpoint; the command runs it and continues.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "llm/model.h"

namespace mh::cli {
namespace {

struct ChatFlags {
  std::string model;
  std::string prompt;
  std::string system = "You are a helpful assistant. Be brief.";
  std::string config;
  int max_tokens = 4096;
  int max_rounds = 8;
  llm::ModelLimits limits;
  bool no_stream = false;
  bool no_tools = false;
};

llm::ToolSpec GetTimeSpec() {
  return {.name = "get_time",
          .description = "The current date and time. Only UTC is supported.",
          .parameters = Json{
              {"type", "object"},
              {"properties", {{"timezone", {{"type", "string"}, {"description", "Must be UTC"}}}}},
              {"additionalProperties", false}}};
}

llm::Message RunTool(const llm::ToolCall& call) {
  auto error = [&](std::string text) {
    return llm::Message::ToolResult(call.id, call.name + ": " + text, /*is_error=*/true);
  };
  if (call.name != "get_time") return error("no such tool (the only tool is get_time)");
  if (!call.arguments_ok()) return error("arguments are not JSON: " + call.parse_error);
  const Json& tz = call.arguments.contains("timezone") ? call.arguments["timezone"] : Json("UTC");
  if (!tz.is_string() || (tz != "UTC" && tz != "utc")) return error("only UTC is supported");
  return llm::Message::ToolResult(call.id, FormatRfc3339(SystemClock().Now()));
}

// Prints text as it streams in; remembers whether anything was printed.
class PrintingObserver final : public llm::CompletionObserver {
 public:
  void OnTextDelta(std::string_view text) override {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    printed_ = true;
  }
  void OnComplete(Result<llm::ModelResponse>) override {}
  bool printed() const { return printed_; }

 private:
  bool printed_ = false;
};

// A reply cut by the output limit is never printed as if whole: says so on stderr.
void ReportCut(const llm::ModelResponse& reply) {
  std::string limit =
      reply.max_tokens > 0 ? " (" + std::to_string(reply.max_tokens) + " tokens)" : "";
  bool reasoned = reply.usage.reasoning_tokens > 0 || !reply.message.ReasoningText().empty();
  if (reply.only_reasoning() && reasoned) {
    std::fprintf(stderr,
                 "macrohard chat: no answer: the whole output limit%s went to reasoning "
                 "(%lld reasoning tokens); raise --max-tokens\n",
                 limit.c_str(), static_cast<long long>(reply.usage.reasoning_tokens));
    return;
  }
  std::fprintf(stderr,
               "macrohard chat: the reply was cut at the output limit%s and is incomplete; "
               "raise --max-tokens\n",
               limit.c_str());
}

int RunChat(const ChatFlags& flags) {
  InterruptWatcher interrupts;
  Result<UserConfig> config = LoadUserConfig(flags.config);
  if (!config.ok()) {
    std::fprintf(stderr, "macrohard chat: %s\n", config.error().message().c_str());
    return 2;
  }
  std::string prompt = flags.prompt;
  if (prompt == "-") prompt.assign(std::istreambuf_iterator<char>(std::cin), {});

  ModelRuntime runtime(config->max_attempts);
  Result<std::unique_ptr<llm::Model>> model = runtime.MakeModel(flags.model, *config, flags.limits);
  if (!model.ok()) {
    std::fprintf(stderr, "macrohard chat: %s\n", model.error().message().c_str());
    return 2;
  }
  llm::ModelRequest request;
  request.system_prompt = flags.system;
  request.messages.push_back(llm::Message::User(prompt));
  request.max_tokens = flags.max_tokens;
  request.stream = !flags.no_stream;
  if (!flags.no_tools) request.tools.push_back(GetTimeSpec());

  for (int round = 0; round < flags.max_rounds; ++round) {
    PrintingObserver observer;
    Result<llm::ModelResponse> reply =
        llm::CompleteBlocking(**model, request, &observer, interrupts.token());
    if (!reply.ok()) {
      if (observer.printed()) std::printf("\n");
      std::fprintf(stderr, "macrohard chat: %s\n", reply.error().ToString().c_str());
      std::fprintf(stderr, "%s\n", FormatUsageLine(*runtime.meter()).c_str());
      return 1;
    }
    if (!observer.printed()) std::printf("%s", reply->message.Text().c_str());
    if (observer.printed() || !reply->message.Text().empty()) std::printf("\n");
    if (!reply->prompt_cut_warning.empty()) {
      std::fprintf(stderr, "macrohard chat: warning: %s\n", reply->prompt_cut_warning.c_str());
    }
    if (reply->truncated()) {  // Its tool calls may be cut too: none is run.
      ReportCut(*reply);
      std::fprintf(stderr, "%s\n", FormatUsageLine(*runtime.meter()).c_str());
      return 1;
    }
    request.messages.push_back(reply->message);
    if (reply->message.tool_calls.empty()) {
      std::fprintf(stderr, "%s\n", FormatUsageLine(*runtime.meter()).c_str());
      return 0;
    }
    for (const llm::ToolCall& call : reply->message.tool_calls) {
      llm::Message result = RunTool(call);
      std::printf("  [tool] %s(%s) -> %s%s\n", call.name.c_str(), call.raw_arguments.c_str(),
                  result.is_error ? "error: " : "", result.Text().c_str());
      request.messages.push_back(std::move(result));
    }
  }
  std::fprintf(stderr, "macrohard chat: stopped after %d rounds of tool calls\n", flags.max_rounds);
  std::fprintf(stderr, "%s\n", FormatUsageLine(*runtime.meter()).c_str());
  return 1;
}

}  // namespace

Command RegisterChat(CLI::App& app) {
  auto flags = std::make_shared<ChatFlags>();  // Shared with the runner, which outlives this.
  CLI::App* sub =
      app.add_subcommand("chat", "talk to a model: stream its reply, then tokens and cost");
  sub->add_option(
         "--model,-m", flags->model,
         "model name: xai/grok-4, anthropic/claude-sonnet-4-5, http://HOST:PORT/v1#MODEL ...")
      ->required()
      ->envname("MH_MODEL");
  sub->add_option("prompt", flags->prompt, "what to say (- reads standard input)")->required();
  sub->add_option("--system", flags->system, "system prompt");
  sub->add_option("--config", flags->config, "TOML file with [prices] and [llm] settings");
  sub->add_option("--max-tokens", flags->max_tokens, "reply length limit")
      ->check(CLI::PositiveNumber);
  AddModelLimitFlags(*sub, flags->limits);
  sub->add_option("--max-rounds", flags->max_rounds, "tool-call rounds before giving up")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--no-stream", flags->no_stream, "wait for the whole reply");
  sub->add_flag("--no-tools", flags->no_tools, "offer the model no tools");
  return {sub, [flags] { return RunChat(*flags); }};
}

}  // namespace mh::cli
