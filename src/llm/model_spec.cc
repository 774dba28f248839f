#include "llm/model_spec.h"

#include <cctype>
#include <cstdlib>

#include "base/secrets.h"

namespace mh::llm {
namespace {

constexpr std::string_view kAnthropicPrefix = "anthropic+";
constexpr std::string_view kGeminiPrefix = "gemini+";
constexpr std::string_view kOllamaPrefix = "ollama+";
constexpr std::string_view kResponsesPrefix = "responses+";
constexpr std::string_view kEndpointKeyEnv = "MH_API_KEY";

std::string ValidProviderList() {
  std::string out;
  for (const ProviderInfo& p : Providers()) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out +
         "; or an endpoint URL: http(s)://HOST[:PORT]/PATH#MODEL (OpenAI-compatible), "
         "anthropic+http(s)://HOST[:PORT]/PATH#MODEL (Anthropic-compatible), "
         "responses+http(s)://HOST[:PORT]/PATH#MODEL (OpenAI Responses), "
         "gemini+http(s)://HOST[:PORT]/PATH#MODEL (Gemini generateContent) or "
         "ollama+http(s)://HOST[:PORT]#MODEL (Ollama's native API)";
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsHttpUrl(std::string_view url) {
  return StartsWith(url, "http://") || StartsWith(url, "https://");
}

// Checks an http(s) URL has a host, and strips trailing slashes.
Result<std::string> NormalizeBaseUrl(std::string_view url, std::string_view what) {
  if (!IsHttpUrl(url)) {
    return InvalidArgumentError(std::string(what) + " must start with http:// or https://, got '" +
                                std::string(url) + "'");
  }
  std::string_view rest = url.substr(url.find("://") + 3);
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') {
    return InvalidArgumentError(std::string(what) + " has no host: '" + std::string(url) + "'");
  }
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      return InvalidArgumentError(std::string(what) + " contains white space");
    }
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

// An Ollama server's root: users of its OpenAI-compatible endpoint give .../v1, and the
// native API's paths are /api/...; either suffix is dropped.
std::string OllamaRoot(std::string_view url) {
  for (std::string_view suffix : {"/v1", "/api"}) {
    if (url.size() > suffix.size() && url.ends_with(suffix)) {
      url.remove_suffix(suffix.size());
      break;
    }
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

// OLLAMA_HOST as Ollama's clients read it: "HOST", "HOST:PORT" or a URL. Without a scheme
// the URL is http and the port 11434; "0.0.0.0" (a server's bind address) means this host.
Result<std::string> OllamaHostUrl(std::string_view value) {
  std::string url(value);
  if (!IsHttpUrl(url)) {
    std::string_view hostport = value;
    if (hostport.starts_with("0.0.0.0")) {
      url = "127.0.0.1" + std::string(hostport.substr(7));
      hostport = url;
    }
    std::string host(hostport);
    size_t slash = host.find('/');
    std::string path = slash == std::string::npos ? "" : host.substr(slash);
    host = host.substr(0, slash);
    bool has_port = host.find(':') != std::string::npos && host.back() != ']';
    if (host.empty() || host.starts_with(":")) host = "127.0.0.1" + host;
    url = "http://" + host + (has_port ? "" : ":11434") + path;
  }
  ASSIGN_OR_RETURN(std::string normal, NormalizeBaseUrl(url, "OLLAMA_HOST"));
  return OllamaRoot(normal);
}

std::string UpperCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string ReadKey(const EnvLookup& env, std::string_view var) {
  if (var.empty()) return "";
  std::optional<std::string> value = env(var);
  if (!value) return "";
  RegisterSecret(*value);
  return *value;
}

Result<ModelSpec> ParseEndpoint(std::string_view name, const EnvLookup& env) {
  ModelSpec spec;
  spec.name = std::string(name);
  std::string_view url = name;
  spec.protocol = WireProtocol::kOpenAiChat;
  spec.provider = "openai-compatible";
  if (StartsWith(url, kAnthropicPrefix)) {
    url.remove_prefix(kAnthropicPrefix.size());
    spec.protocol = WireProtocol::kAnthropicMessages;
    spec.provider = "anthropic-compatible";
  } else if (StartsWith(url, kGeminiPrefix)) {
    url.remove_prefix(kGeminiPrefix.size());
    spec.protocol = WireProtocol::kGeminiGenerateContent;
    spec.provider = "gemini-compatible";
  } else if (StartsWith(url, kOllamaPrefix)) {
    url.remove_prefix(kOllamaPrefix.size());
    spec.protocol = WireProtocol::kOllamaChat;
    spec.provider = "ollama";
  } else if (StartsWith(url, kResponsesPrefix)) {
    url.remove_prefix(kResponsesPrefix.size());
    spec.protocol = WireProtocol::kOpenAiResponses;
    spec.provider = "responses-compatible";
  }
  size_t hash = url.rfind('#');
  if (hash == std::string_view::npos || hash + 1 == url.size()) {
    return InvalidArgumentError("endpoint model names need a model after '#': " +
                                std::string(url.substr(0, hash)) + "#MODEL");
  }
  ASSIGN_OR_RETURN(spec.base_url, NormalizeBaseUrl(url.substr(0, hash), "endpoint URL"));
  if (spec.protocol == WireProtocol::kOllamaChat) spec.base_url = OllamaRoot(spec.base_url);
  spec.model = std::string(url.substr(hash + 1));
  spec.key_env = std::string(kEndpointKeyEnv);
  spec.api_key = ReadKey(env, kEndpointKeyEnv);
  return spec;
}

Result<std::string> ConfiguredBaseUrl(const ProviderInfo& info, const EnvLookup& env,
                                      const BaseUrlOverrides& overrides) {
  std::string var = "MH_" + UpperCase(info.name) + "_BASE_URL";
  if (std::optional<std::string> value = env(var); value && !value->empty()) {
    return NormalizeBaseUrl(*value, var);
  }
  if (auto it = overrides.find(info.name); it != overrides.end()) {
    return NormalizeBaseUrl(it->second, "base URL for " + std::string(info.name));
  }
  if (info.protocol == WireProtocol::kOllamaChat) {
    if (std::optional<std::string> host = env("OLLAMA_HOST"); host && !host->empty()) {
      return OllamaHostUrl(*host);
    }
  }
  return std::string(info.default_base_url);
}

Result<std::string> BaseUrlFor(const ProviderInfo& info, const EnvLookup& env,
                               const BaseUrlOverrides& overrides) {
  ASSIGN_OR_RETURN(std::string url, ConfiguredBaseUrl(info, env, overrides));
  return info.protocol == WireProtocol::kOllamaChat ? OllamaRoot(url) : url;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

const std::vector<ProviderInfo>& Providers() {
  static const std::vector<ProviderInfo> providers = {
      {"xai", WireProtocol::kOpenAiChat, "https://api.x.ai/v1", "XAI_API_KEY", "", true},
      {"openai", WireProtocol::kOpenAiChat, "https://api.openai.com/v1", "OPENAI_API_KEY", "",
       true},
      {"openai-responses", WireProtocol::kOpenAiResponses, "https://api.openai.com/v1",
       "OPENAI_API_KEY", "", true},
      {"anthropic", WireProtocol::kAnthropicMessages, "https://api.anthropic.com",
       "ANTHROPIC_API_KEY", "", true},
      // Google's SDKs read GEMINI_API_KEY, then GOOGLE_API_KEY.
      {"gemini", WireProtocol::kGeminiGenerateContent,
       "https://generativelanguage.googleapis.com/v1beta", "GEMINI_API_KEY", "GOOGLE_API_KEY",
       true},
      {"vllm", WireProtocol::kOpenAiChat, "http://127.0.0.1:8000/v1", "VLLM_API_KEY", "", false},
      {"llamacpp", WireProtocol::kOpenAiChat, "http://127.0.0.1:8080/v1", "", "", false},
      {"ollama", WireProtocol::kOllamaChat, "http://127.0.0.1:11434", "OLLAMA_API_KEY", "", false},
  };
  return providers;
}

Result<BaseUrlOverrides> LoadBaseUrlOverrides(const ConfigFile& file, const toml::table& table) {
  BaseUrlOverrides out;
  for (const auto& [key, node] : table) {
    std::string_view provider = key.str();
    bool known = false;
    for (const ProviderInfo& p : Providers()) known = known || p.name == provider;
    if (!known) {
      return file.ErrorAt(node, "unknown provider '" + std::string(provider) +
                                    "' (valid: " + ValidProviderList() + ")");
    }
    std::optional<std::string> url = node.value_exact<std::string>();
    if (!url) return file.ErrorAt(node, "'" + std::string(provider) + "' must be a string URL");
    Result<std::string> normal = NormalizeBaseUrl(*url, "base URL");
    if (!normal.ok()) return file.ErrorAt(node, normal.error().message());
    out.emplace(std::string(provider), *normal);
  }
  return out;
}

Result<ModelSpec> ParseModelSpec(std::string_view name, const EnvLookup& env,
                                 const BaseUrlOverrides& overrides) {
  if (IsHttpUrl(name) || StartsWith(name, kAnthropicPrefix) || StartsWith(name, kGeminiPrefix) ||
      StartsWith(name, kOllamaPrefix) || StartsWith(name, kResponsesPrefix)) {
    return ParseEndpoint(name, env);
  }
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgumentError("model name '" + std::string(name) +
                                "' must be PROVIDER/MODEL; providers: " + ValidProviderList());
  }
  std::string_view provider = name.substr(0, slash);
  std::string_view model = name.substr(slash + 1);
  const ProviderInfo* info = nullptr;
  for (const ProviderInfo& p : Providers()) {
    if (p.name == provider) info = &p;
  }
  if (info == nullptr) {
    return InvalidArgumentError("unknown provider '" + std::string(provider) + "' in model name '" +
                                std::string(name) + "'; valid providers: " + ValidProviderList());
  }
  if (model.empty()) {
    return InvalidArgumentError("model name '" + std::string(name) + "' has no model after '" +
                                std::string(provider) + "/'");
  }
  ModelSpec spec;
  spec.name = std::string(name);
  spec.provider = std::string(provider);
  spec.protocol = info->protocol;
  spec.model = std::string(model);
  spec.key_env = std::string(info->key_env);
  spec.use_max_completion_tokens = provider == "openai";
  ASSIGN_OR_RETURN(spec.base_url, BaseUrlFor(*info, env, overrides));
  spec.api_key = ReadKey(env, info->key_env);
  if (spec.api_key.empty() && !info->fallback_key_env.empty()) {
    spec.api_key = ReadKey(env, info->fallback_key_env);
    if (!spec.api_key.empty()) spec.key_env = std::string(info->fallback_key_env);
  }
  if (info->key_required && spec.api_key.empty()) {
    std::string also =
        info->fallback_key_env.empty() ? "" : " (or " + std::string(info->fallback_key_env) + ")";
    return PermissionDeniedError("set " + spec.key_env + also + " to use " + spec.name);
  }
  return spec;
}

}  // namespace mh::llm
