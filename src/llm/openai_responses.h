// OpenAI Responses: the codec for openai-responses/* and responses+URL#MODEL endpoints.
// Internal to llm/; use MakeModel().
//
// Request: POST {base_url}/responses, Authorization: Bearer KEY (when there is a key).
// Stateless: every request carries the whole conversation as `input` items, with
// `store: false` and `include: ["reasoning.encrypted_content"]`, so the reasoning items a
// reply brought (id, summary, encrypted_content) go back verbatim on the next request
// before the function calls they led to. The system prompt is `instructions`; tools are
// {type:"function", name, description, parameters, strict:false}. A reply is its `output`
// items (message, function_call, reasoning); status "incomplete" for max_output_tokens is
// a truncated reply; usage counts cached input inside input_tokens and reasoning inside
// output_tokens. Streaming assembles items by output_index from response.* events and
// ends with response.completed or response.incomplete; response.failed and `error`
// events end the call with the provider's error.
#pragma once

#include <memory>

#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

// The origin of reasoning that came in a Responses reasoning item (types.h Reasoning).
inline constexpr std::string_view kResponsesReasoningOrigin = "openai-responses";

std::unique_ptr<ProtocolCodec> NewOpenAiResponsesCodec(ModelSpec spec, HttpTimeouts timeouts = {});

}  // namespace mh::llm
