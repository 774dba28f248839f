// Anthropic Messages: the codec for anthropic/* and anthropic+URL#MODEL endpoints.
// Internal to llm/; use MakeModel().
//
// Request: POST {base_url}/v1/messages (or {base_url}/messages when the base already ends
// in /v1), headers x-api-key and anthropic-version: 2023-06-01. The system prompt is the
// top-level `system`; tool results are tool_result blocks in a user message; images are
// base64 source blocks, also inside tool results. Streaming assembles text_delta and
// input_json_delta per content block index and ends with message_stop.
#pragma once

#include <memory>

#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

inline constexpr std::string_view kAnthropicVersion = "2023-06-01";

std::unique_ptr<ProtocolCodec> NewAnthropicCodec(ModelSpec spec, HttpTimeouts timeouts = {});

}  // namespace mh::llm
