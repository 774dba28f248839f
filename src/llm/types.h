// Native model types: what the agent loop and the providers exchange.
//
// Provider JSON never leaves llm/: providers translate these types to and from their
// wire formats. Json appears here only where the data is JSON by nature: a tool's
// parameter schema and a tool call's parsed arguments. Plain values, copyable, no
// thread-safety of their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace mh::llm {

enum class Role { kSystem, kUser, kAssistant, kTool };

// "system", "user", "assistant", "tool".
std::string_view RoleName(Role role);

// An image carried inline: `media_type` such as "image/png", `base64_data` the encoded bytes.
struct ImageData {
  std::string media_type;
  std::string base64_data;
};

// One piece of a message's content: text or an image.
struct ContentPart {
  enum class Kind { kText, kImage };

  Kind kind = Kind::kText;
  std::string text;  // kText only.
  ImageData image;   // kImage only.

  static ContentPart Text(std::string text);
  static ContentPart Image(std::string media_type, std::string base64_data);

  bool is_text() const { return kind == Kind::kText; }
  bool is_image() const { return kind == Kind::kImage; }
};

// A tool call made by the model. When the model sent arguments that are not a JSON
// object, the call is still delivered: `arguments` is an empty object, `raw_arguments`
// holds what the model sent and `parse_error` says what is wrong, so the agent can tell
// the model. When such a call is sent back to a provider, it is sent with `{}` as its
// arguments (servers reject malformed ones; the tool result carries the explanation).
struct ToolCall {
  std::string id;
  std::string name;
  Json arguments = Json::object();
  std::string raw_arguments;  // The argument text as the model sent it.
  std::string parse_error;    // Empty when `arguments` parsed.

  bool arguments_ok() const { return parse_error.empty(); }
};

// Sets `call.arguments` / `call.parse_error` from `call.raw_arguments`. An empty text is
// an empty object (models send "" for a call without arguments).
void ParseToolArguments(ToolCall& call);

// The model's reasoning ("thinking") that came with an assistant reply. Never part of the
// answer text. Kept so it can be shown (transcripts) and passed back to the provider that
// made it, unchanged, where the provider requires that (DeepSeek thinking mode wants
// `reasoning_content` back on tool-call turns; Anthropic wants thinking blocks with their
// signatures back before tool_use). `origin` names the wire form it came in, so a codec
// passes back only what it understands:
//   "reasoning_content", "reasoning"  Chat Completions message fields;
//   "anthropic"                       an Anthropic thinking or redacted_thinking block;
//   "gemini"                          a Gemini thought part (`thought: true`): `text` its
//                                     summary, `signature` its thoughtSignature if any;
//   "gemini-signature"                a Gemini thoughtSignature that came on an answer
//                                     part: the functionCall of `tool_call_id`, or the
//                                     text when `tool_call_id` is empty;
//   "openai-responses"                an OpenAI Responses `reasoning` output item.
struct Reasoning {
  std::string origin;
  std::string text;          // Readable reasoning; empty for a redacted block.
  std::string signature;     // Anthropic's or Gemini's signature, verbatim.
  std::string redacted;      // Anthropic redacted_thinking `data`, verbatim; empty otherwise.
  std::string tool_call_id;  // "gemini-signature": the call the signature belongs to.
  // OpenAI Responses: the item's id (rs_...), its `encrypted_content` verbatim (what a
  // stateless request passes back), and its summary_text parts in order (`text` holds them
  // joined by blank lines). Empty for other origins.
  std::string id;
  std::string encrypted;
  std::vector<std::string> summary;

  friend bool operator==(const Reasoning&, const Reasoning&) = default;
};

// One message of a conversation.
//  - kSystem, kUser: `parts`.
//  - kAssistant: `parts` (text), `tool_calls` and `reasoning` (in the order it came).
//  - kTool: the result of the call `tool_call_id`: `parts` (text and images), `is_error`.
struct Message {
  Role role = Role::kUser;
  std::vector<ContentPart> parts;
  std::vector<ToolCall> tool_calls;
  std::vector<Reasoning> reasoning;  // kAssistant only.
  std::string tool_call_id;
  bool is_error = false;

  static Message System(std::string text);
  static Message User(std::string text);
  static Message Assistant(std::string text, std::vector<ToolCall> calls = {});
  static Message ToolResult(std::string tool_call_id, std::string text, bool is_error = false);

  // The text parts joined with no separator (reasoning is never part of it).
  std::string Text() const;
  // The readable reasoning joined with blank lines; empty when there is none.
  std::string ReasoningText() const;
  bool HasImages() const;
};

// A tool offered to the model. `parameters` is a JSON Schema object.
struct ToolSpec {
  std::string name;
  std::string description;
  Json parameters = Json::object();
};

// Tokens of one call, each kind counted once, so each is billed at its own price:
//  - `input_tokens`: input that was neither read from nor written to the prompt cache;
//  - `cache_read_tokens`, `cache_write_tokens`: input read from / written to the cache;
//  - `output_tokens`: visible output (answer text and tool calls), reasoning excluded;
//  - `reasoning_tokens`: output spent on reasoning (billed at the output price).
// Providers differ in how they report these (OpenAI's completion_tokens includes
// reasoning, xAI's does not); the codecs normalise to this meaning.
struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;

  // Every token of the call: what token budgets count.
  int64_t total() const {
    return input_tokens + output_tokens + cache_read_tokens + cache_write_tokens + reasoning_tokens;
  }
  Usage& operator+=(const Usage& other);
  friend bool operator==(const Usage&, const Usage&) = default;
};

enum class StopReason { kEndTurn, kToolUse, kMaxTokens, kStopSequence, kContentFilter, kOther };

// "end_turn", "tool_use", "max_tokens", "stop_sequence", "content_filter", "other".
std::string_view StopReasonName(StopReason reason);

struct ModelRequest {
  std::string system_prompt;  // Empty: none.
  std::vector<Message> messages;
  std::vector<ToolSpec> tools;
  int max_tokens = 8192;
  std::optional<double> temperature;  // nullopt: the provider's default.
  bool stream = true;
  // Ask a model that can reason to do so (true) or not (false): Ollama's `think`.
  // nullopt: the model's default. Codecs without such a switch ignore it.
  std::optional<bool> think;
};

struct ModelResponse {
  Message message;  // Role kAssistant.
  StopReason stop_reason = StopReason::kEndTurn;
  Usage usage;
  std::string model;    // The model id the provider reported (or asked for, if none).
  double cost_usd = 0;  // From the price table; 0 when the model has no price.
  bool priced = false;  // True when the price table knew the model.
  int max_tokens = 0;   // The output limit the request asked for (0: unknown).
  // The prompt's size in tokens as estimated from what was sent (0: unknown).
  int64_t estimated_prompt_tokens = 0;
  // Not empty when the server reported reading far fewer prompt tokens than that: it may
  // have cut the prompt (llm/prompt_check.h). The reply is whole but may ignore what was cut.
  std::string prompt_cut_warning;

  // Cut by the output limit (finish_reason "length", stop_reason "max_tokens"): the reply
  // is not whole, whatever it looks like.
  bool truncated() const { return stop_reason == StopReason::kMaxTokens; }
  // Cut with nothing to show: the whole output budget went to reasoning (or was empty).
  bool only_reasoning() const {
    return truncated() && message.Text().empty() && message.tool_calls.empty();
  }
};

}  // namespace mh::llm
