// Scenario: the script a fake LLM server answers from (docs/fake-llm.md), parsed and
// checked once at start, so a broken script is refused with the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace mh::testing {

enum class Protocol { kChat, kResponses, kAnthropic, kGemini, kOllama };
// "chat", "responses", "anthropic", "gemini", "ollama".
std::string_view ProtocolName(Protocol protocol);

// Conditions on a request; an unset field always holds.
struct TurnMatch {
  std::optional<int> tool_results;
  std::optional<int> min_tool_results;
  std::optional<std::string> contains;
  std::optional<std::string> last_contains;
  std::optional<std::string> offers_tool;
  std::optional<bool> no_tools;
  std::optional<Protocol> protocol;
  std::optional<bool> stream;
};

enum class FaultKind {
  kHttpStatus,
  kDelay,
  kStall,
  kCutStream,
  kMalformedToolJson,
  kHtml,
  kStreamError,
};
std::string_view FaultKindName(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::kHttpStatus;
  int status = 500;                 // kHttpStatus.
  std::string retry_after;          // kHttpStatus: Retry-After value, when not empty.
  int64_t delay_ms = 0;             // kDelay.
  std::optional<int> after_events;  // kCutStream: whole events sent before the cut.
  std::optional<int64_t> times;     // Requests that get the fault; unset: all.
  // kHttpStatus, kStreamError: the error's words, as a provider would send them.
  std::string error_type;    // OpenAI `type` and `code`, Anthropic `error.type`.
  std::string message;       // Default: "injected fault: HTTP N".
  std::string metadata_raw;  // OpenRouter's error.metadata.raw (message then is its own).
};

struct ToolCallSpec {
  std::string name;
  Json arguments = Json::object();
};

// Token counts of a reply in Macrohard's sense (each kind once); the server renders them as
// each protocol reports them (Chat: cached and cache-written inside prompt_tokens,
// reasoning inside completion_tokens unless `reasoning_apart`, as xAI does).
struct UsageSpec {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t reasoning_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  bool reasoning_apart = false;
};

struct Turn {
  TurnMatch when;
  std::string text;
  std::string reasoning;  // Sent as reasoning_content (Chat) or a signed thinking block.
  std::vector<ToolCallSpec> tool_calls;
  std::string stop_reason;  // Empty: the protocol's default.
  std::optional<UsageSpec> usage;
  int chunk_chars = 8;
  int64_t delay_ms = 0;
  std::optional<Fault> fault;
};

struct Scenario {
  std::string name;
  std::string model = "fake-model";
  std::vector<std::string> models;  // For GET /v1/models: `model` then any `models`.
  std::vector<Turn> turns;
  // Refuse (400, in DeepSeek's and Anthropic's words) a request whose assistant tool-call
  // turns come without their reasoning (Chat reasoning_content, Anthropic thinking block).
  bool require_reasoning_back = false;
  // Behave like a server whose context holds this many tokens (0: unlimited), as Ollama
  // does: a longer prompt is cut to fit and the reply reports only the tokens kept
  // (prompt_tokens, input_tokens, prompt_eval_count). Ollama requests are cut to their
  // options.num_ctx too, when that is smaller.
  int64_t context_tokens = 0;
};

// Parses a scenario. Errors: kInvalidArgument naming the turn and key at fault, e.g.
// "turn 2 (turns[1]): fault.kind 'explode' is not one of http_status, delay, ...".
// Unknown keys are refused too, so a misspelt condition cannot silently always match.
Result<Scenario> ParseScenario(std::string_view json_text);

}  // namespace mh::testing
