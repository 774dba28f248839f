// LlmRequest: what the fake LLM server needs to know about a model request, read from the
// body of any of the protocols, and scenario matching against it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/json.h"
#include "testing/scenario.h"

namespace mh::testing {

struct LlmRequest {
  Protocol protocol = Protocol::kChat;
  std::string model;
  bool stream = false;
  bool include_usage = false;  // Chat: stream_options.include_usage.
  int64_t num_ctx = 0;         // Ollama: options.num_ctx (0: not sent).
  int messages = 0;            // Messages (Responses: input items).
  int tool_results = 0;
  std::vector<std::string> tools;  // Names of the tools offered.
  std::string all_text;            // System prompt, messages and tool results, joined.
  std::string last_text;           // The last message or tool result.
  size_t bytes = 0;                // Body size.
  // The output limit asked for (max_tokens, max_completion_tokens or max_output_tokens);
  // 0 when none was.
  int64_t max_tokens = 0;
  // The first assistant turn with tool calls but without its reasoning (Chat: no
  // reasoning_content; Anthropic: not led by a signed thinking block; Responses: a
  // function_call item with no reasoning item carrying encrypted_content since the last
  // user message or tool output), as its index among the messages (Responses: input
  // items); -1 when every such turn has it.
  int turn_without_reasoning = -1;
  // Gemini: the thoughtSignatures the client passed back, in the order of its parts.
  std::vector<std::string> thought_signatures;
  // Reasoning passed back: Chat assistant messages with reasoning_content, Anthropic
  // thinking/redacted_thinking blocks, Responses reasoning items with encrypted_content.
  int reasoning_back = 0;
  // Responses: `include` asks for reasoning.encrypted_content.
  bool include_encrypted_reasoning = false;
};

// Reads the facts of `body`. Gemini bodies name neither model nor streaming (the URL
// does): the caller sets those. Lenient: fields of unexpected types are skipped, as the point
// is to answer whatever a client sends. Errors: kInvalidArgument when `body` is not an
// object.
Result<LlmRequest> ReadLlmRequest(Protocol protocol, const Json& body, size_t bytes);

// True when every condition of `when` holds for `request`.
bool Matches(const TurnMatch& when, const LlmRequest& request);

}  // namespace mh::testing
