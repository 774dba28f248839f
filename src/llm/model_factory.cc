#include "llm/model_factory.h"

#include "llm/anthropic.h"
#include "llm/gemini.h"
#include "llm/ollama.h"
#include "llm/openai_chat.h"
#include "llm/openai_responses.h"
#include "llm/provider_model.h"

namespace mh::llm {

Result<std::unique_ptr<Model>> MakeModel(std::string_view name, HttpTransport& transport,
                                         const EnvLookup& env, const PriceTable& prices,
                                         ModelOptions options) {
  ASSIGN_OR_RETURN(ModelSpec spec, ParseModelSpec(name, env, options.base_urls));
  ModelLimits limits = WithOverrides(DefaultModelLimits(spec.model), options.limits);
  std::unique_ptr<ProtocolCodec> codec;
  switch (spec.protocol) {
    case WireProtocol::kOpenAiChat:
      codec = NewOpenAiChatCodec(spec, options.timeouts);
      break;
    case WireProtocol::kAnthropicMessages:
      codec = NewAnthropicCodec(spec, options.timeouts);
      break;
    case WireProtocol::kGeminiGenerateContent:
      codec = NewGeminiCodec(spec, options.timeouts);
      break;
    case WireProtocol::kOllamaChat:
      codec = NewOllamaCodec(spec, options.timeouts, limits);
      break;
    case WireProtocol::kOpenAiResponses:
      codec = NewOpenAiResponsesCodec(spec, options.timeouts);
      break;
  }
  return std::unique_ptr<Model>(std::make_unique<ProviderModel>(
      std::move(spec), std::move(codec), transport, prices, std::move(options.meter), limits));
}

}  // namespace mh::llm
