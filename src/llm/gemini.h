// Google Gemini generateContent: the codec for gemini/* and gemini+URL#MODEL endpoints.
// Internal to llm/; use MakeModel().
//
// Request: POST {base_url}/models/{model}:generateContent, or
// :streamGenerateContent?alt=sse when streaming; the key goes in the x-goog-api-key
// header, never in the URL. The system prompt is `systemInstruction`; turns are
// `contents` with roles user and model; tool calls are functionCall parts and tool
// results functionResponse parts (in a user turn), matched by name and, where the model
// gave one, by id. Thought parts (`thought: true`) are reasoning; every thoughtSignature
// is kept (types.h: Reasoning "gemini", "gemini-signature") and sent back on the part it
// came on. Each SSE event is a whole GenerateContentResponse; there is no terminator:
// the chunk with a finishReason is the last.
#pragma once

#include <memory>
#include <string_view>

#include "base/json.h"
#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

std::unique_ptr<ProtocolCodec> NewGeminiCodec(ModelSpec spec, HttpTimeouts timeouts = {});

// `schema` (JSON Schema, as tools declare parameters) in the OpenAPI subset Gemini's
// FunctionDeclaration.parameters accepts: upper-case types, ["T", "null"] as nullable,
// oneOf as anyOf, const as a one-value enum, local $refs inlined (a few levels deep),
// formats and enums only where Gemini takes them, `required` limited to declared
// properties, and every other keyword (additionalProperties, $schema, default, title,
// ...) dropped, since the API answers 400 to unknown ones.
Json GeminiSchema(const Json& schema);

// True for model ids that think (2.5 and later, *thinking*): requests ask them for thought
// summaries (thinkingConfig.includeThoughts); older models refuse a thinkingConfig.
bool GeminiModelThinks(std::string_view model);

// The prefix of tool call ids Macrohard makes up for calls that came without an id (older
// models); such ids are never sent to the API.
inline constexpr std::string_view kGeminiMadeUpIdPrefix = "mh-gemini-";

}  // namespace mh::llm
