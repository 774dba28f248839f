// Wire formats of the fake LLM server: a scripted reply rendered as each provider sends it.
//
// Streaming replies are lists of whole Server-Sent Events ("event: x\ndata: {...}\n\n"),
// or for Ollama whole NDJSON lines ("{...}\n"),
// in the order of docs/fake-llm.md's reference sequences; non-streaming replies and errors
// are JSON bodies. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "testing/scenario.h"

namespace mh::testing {

struct ReplyToolCall {
  std::string call_id;  // call_... (OpenAI) or toolu_... (Anthropic).
  std::string item_id;  // Responses: fc_...
  std::string name;
  std::string arguments;  // JSON text; does not parse under the malformed_tool_json fault.
  bool malformed = false;
};

struct Reply {
  std::string id;          // chatcmpl-..., resp_... or msg_...
  std::string message_id;  // Responses: the msg_... output item.
  std::string model;
  int64_t created = 0;  // Unix seconds.
  std::string text;
  std::string reasoning;  // Empty: none.
  std::vector<ReplyToolCall> tool_calls;
  std::string stop_reason;  // Empty: the protocol's default.
  // Each kind once (see UsageSpec); the wire forms add them up as each protocol does.
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t reasoning_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  bool reasoning_apart = false;  // Chat: reasoning on top of completion_tokens (xAI).
  int chunk_chars = 8;
  bool include_usage = false;  // Chat streaming: send the usage chunk.
  // Responses: the reasoning item's id (rs_...), and whether the request asked for
  // reasoning.encrypted_content (then the item carries FakeEncryptedReasoning).
  std::string reasoning_id;
  bool encrypted_reasoning = false;
};

// Splits `text` into pieces of about `chars` bytes without cutting a UTF-8 character.
std::vector<std::string_view> SplitUtf8(std::string_view text, int chars);
// One SSE event; `event` may be empty (Chat Completions sends data lines only).
std::string SseEvent(std::string_view event, const Json& data);

std::vector<std::string> StreamEvents(Protocol protocol, const Reply& reply);
std::string ReplyBody(Protocol protocol, const Reply& reply);
// The protocol's error body for an HTTP `status` (OpenAI {"error":{...}}, Anthropic
// {"type":"error","error":{...}}, Gemini {"error":{"code","message","status"}}, Ollama
// {"error":"..."}).
std::string ErrorBody(Protocol protocol, int status, std::string_view message);
// The same with a provider's own error type (OpenAI `type` and `code`, Anthropic
// `error.type`, Gemini `error.status`) and, when `metadata_raw` is not empty, OpenRouter's upstream
// reason in error.metadata.raw.
std::string ErrorBody(Protocol protocol, int status, std::string_view message,
                      std::string_view type, std::string_view metadata_raw);
// The signature the fake server puts on a thinking block of `text`.
std::string FakeThinkingSignature(std::string_view text);
// The encrypted_content the fake server puts on a Responses reasoning item of `text`.
std::string FakeEncryptedReasoning(std::string_view text);

// A provider error in the middle of a reply (fault stream_error), as each protocol sends
// it: streaming, Chat a `data: {"error":...}` chunk, Anthropic an `error` event, Responses
// response.created, response.in_progress, an `error` event and response.failed; whole,
// Responses a response with status "failed", the others their error body (with HTTP 200).
std::vector<std::string> StreamErrorEvents(Protocol protocol, const Reply& reply,
                                           std::string_view type, std::string_view message);
std::string StreamErrorBody(Protocol protocol, const Reply& reply, std::string_view type,
                            std::string_view message);

// Per protocol (wire_chat.cc, wire_responses.cc, wire_anthropic.cc).
std::vector<std::string> ChatStreamEvents(const Reply& reply);
std::string ChatBody(const Reply& reply);
std::vector<std::string> ResponsesStreamEvents(const Reply& reply);
std::string ResponsesBody(const Reply& reply);
std::vector<std::string> ResponsesErrorEvents(const Reply& reply, std::string_view type,
                                              std::string_view message);
std::string ResponsesErrorBody(const Reply& reply, std::string_view type, std::string_view message);
std::vector<std::string> AnthropicStreamEvents(const Reply& reply);
std::string AnthropicBody(const Reply& reply);
// Gemini (wire_gemini.cc): calls come without an id when `call_id` is empty, as older
// models send them; the first call (else the text) carries FakeThoughtSignature.
std::vector<std::string> GeminiStreamEvents(const Reply& reply);
std::string GeminiBody(const Reply& reply);
// {"error": {"code", "message", "status"}}; `rpc_status` empty: the google.rpc status for
// the HTTP status (429 RESOURCE_EXHAUSTED, with a RetryInfo detail).
std::string GeminiErrorBody(int status, std::string_view message, std::string_view rpc_status);
std::string GeminiErrorStatus(int status);
// The thoughtSignature the fake server puts on a Gemini reply.
std::string FakeThoughtSignature(const Reply& reply);
// Ollama (wire_ollama.cc): NDJSON lines, each ending in "\n", instead of SSE events.
std::vector<std::string> OllamaStreamLines(const Reply& reply);
std::string OllamaBody(const Reply& reply);

}  // namespace mh::testing
