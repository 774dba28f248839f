// OpenAI Chat Completions: the codec for xAI, OpenAI, vLLM, llama.cpp's server, Ollama
// and any OpenAI-compatible endpoint. Internal to llm/; use MakeModel().
//
// Request: POST {base_url}/chat/completions, Authorization: Bearer KEY (when there is a
// key). Streaming asks for usage in the last chunk (stream_options.include_usage) and
// assembles tool calls by index from their fragments; the stream ends with [DONE].
#pragma once

#include <memory>

#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

std::unique_ptr<ProtocolCodec> NewOpenAiChatCodec(ModelSpec spec, HttpTimeouts timeouts = {});

}  // namespace mh::llm
