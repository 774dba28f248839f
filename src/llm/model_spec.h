// ModelSpec: what a documented model name (docs/models.md) means — which protocol, which
// endpoint, which model, which key.
//
//   PROVIDER/MODEL                     xai/grok-4, anthropic/claude-sonnet-4-5, ...
//   http(s)://HOST[:PORT]/PATH#MODEL   any OpenAI-compatible endpoint (key: MH_API_KEY)
//   anthropic+http(s)://...#MODEL      any Anthropic-compatible endpoint (key: MH_API_KEY)
//   gemini+http(s)://...#MODEL         any Gemini generateContent endpoint (key: MH_API_KEY)
//   ollama+http(s)://HOST[:PORT]#MODEL an Ollama server's native API (key: MH_API_KEY, optional)
//   responses+http(s)://...#MODEL      any OpenAI Responses endpoint (key: MH_API_KEY)
//
// Base URLs can be overridden per provider by MH_<PROVIDER>_BASE_URL or by config.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace mh::llm {

// Reads an environment variable; nullopt when unset. Injected so tests never touch the
// real environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
EnvLookup ProcessEnv();

enum class WireProtocol {
  kOpenAiChat,
  kAnthropicMessages,
  kOpenAiResponses,
  kGeminiGenerateContent,
  kOllamaChat,  // Ollama's native POST /api/chat (NDJSON streaming, options.num_ctx).
};

// One built-in provider.
struct ProviderInfo {
  std::string_view name;  // "xai"
  WireProtocol protocol;
  std::string_view default_base_url;  // "https://api.x.ai/v1"
  std::string_view key_env;           // "XAI_API_KEY"; empty: no key.
  std::string_view fallback_key_env;  // Read when key_env is unset ("GOOGLE_API_KEY").
  bool key_required;
};

// The built-in providers, in documentation order.
const std::vector<ProviderInfo>& Providers();

// Base URL overrides by provider name ("xai" -> "https://proxy.example/v1").
using BaseUrlOverrides = std::map<std::string, std::string, std::less<>>;

// Reads a TOML table of overrides such as `[llm.base_urls] xai = "http://..."`.
// Errors: unknown provider names and non-string or non-http(s) values, naming the line.
Result<BaseUrlOverrides> LoadBaseUrlOverrides(const ConfigFile& file, const toml::table& table);

// A parsed model name. Holds the API key: never log or print one whole.
struct ModelSpec {
  std::string name;      // As given: "xai/grok-4".
  std::string provider;  // "xai", ..., or "openai-compatible", "anthropic-compatible",
                         // "responses-compatible", "gemini-compatible".
  WireProtocol protocol = WireProtocol::kOpenAiChat;
  std::string base_url;  // Without a trailing slash.
  std::string model;     // The model id sent to the provider: "grok-4".
  std::string api_key;   // Empty when the endpoint needs none.
  std::string key_env;   // The variable the key comes from; empty when none applies.
  // OpenAI's own API wants `max_completion_tokens`; other servers want `max_tokens`.
  bool use_max_completion_tokens = false;
};

// Parses `name`. The key is read through `env` and registered with mh::RegisterSecret.
// Base URL precedence: MH_<PROVIDER>_BASE_URL, then `overrides`, then (ollama only)
// OLLAMA_HOST as the Ollama clients read it, then the default. Ollama base URLs are the
// server's root: a trailing /v1 (the OpenAI-compatible endpoint's) or /api is dropped.
// Errors (kInvalidArgument unless noted):
//  - an unknown provider: the message lists the valid ones;
//  - a missing model after the provider or after '#';
//  - a bad URL;
//  - kPermissionDenied when a required key is unset: "set XAI_API_KEY to use xai/grok-4".
Result<ModelSpec> ParseModelSpec(std::string_view name, const EnvLookup& env,
                                 const BaseUrlOverrides& overrides = {});

}  // namespace mh::llm
