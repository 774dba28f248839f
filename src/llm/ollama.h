// Ollama's native chat API: the codec for ollama/MODEL and ollama+URL#MODEL. Internal to
// llm/; use MakeModel().
//
// Request: POST {base_url}/api/chat, no key (Authorization: Bearer KEY when one is set, as
// for ollama.com). Unlike its OpenAI-compatible /v1 endpoint, which ignores num_ctx and
// silently cuts the prompt at the server's default context, the native API takes
// options.num_ctx per request: it is sized to the prompt plus the output limit
// (OllamaContextSize). Tool calls carry their arguments as a JSON object; tool results name
// their tool (`tool_name`); `thinking` goes back on assistant turns. Streaming is NDJSON:
// one JSON object per line, the last with "done": true and the token counts.
#pragma once

#include <cstdint>
#include <memory>

#include "llm/model_limits.h"
#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

// Ollama contexts are sized in steps so that a growing conversation does not change
// num_ctx (which makes the server reload the model) on every request: the smallest power
// of two of at least kOllamaMinContext that holds `prompt_tokens + max_tokens`, capped at
// the model's context window when it is known.
inline constexpr int64_t kOllamaMinContext = 4096;
int64_t OllamaContextSize(int64_t prompt_tokens, int64_t max_tokens, const ModelLimits& limits);

// `limits` cap num_ctx (a 0 context window: no cap).
std::unique_ptr<ProtocolCodec> NewOllamaCodec(ModelSpec spec, HttpTimeouts timeouts = {},
                                              ModelLimits limits = {});

}  // namespace mh::llm
