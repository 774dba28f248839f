#include "llm/model_spec.h"

#include <gtest/gtest.h>

#include "base/secrets.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::MapEnv;

TEST(ModelSpec, ProviderNamesResolveToTheirEndpointsAndKeys) {
  Result<ModelSpec> xai =
      ParseModelSpec("xai/grok-4", MapEnv({{"XAI_API_KEY", "xai-key-12345678"}}));
  ASSERT_TRUE(xai.ok()) << xai.status().ToString();
  EXPECT_EQ(xai->provider, "xai");
  EXPECT_EQ(xai->protocol, WireProtocol::kOpenAiChat);
  EXPECT_EQ(xai->base_url, "https://api.x.ai/v1");
  EXPECT_EQ(xai->model, "grok-4");
  EXPECT_EQ(xai->api_key, "xai-key-12345678");

  Result<ModelSpec> claude = ParseModelSpec("anthropic/claude-sonnet-4-5",
                                            MapEnv({{"ANTHROPIC_API_KEY", "sk-ant-12345678"}}));
  ASSERT_TRUE(claude.ok());
  EXPECT_EQ(claude->protocol, WireProtocol::kAnthropicMessages);
  EXPECT_EQ(claude->base_url, "https://api.anthropic.com");

  Result<ModelSpec> vllm = ParseModelSpec("vllm/meta-llama/Llama-3.1-8B-Instruct", MapEnv({}));
  ASSERT_TRUE(vllm.ok());
  EXPECT_EQ(vllm->base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(vllm->model, "meta-llama/Llama-3.1-8B-Instruct");  // Slashes after the first stay.
  EXPECT_EQ(vllm->api_key, "");

  EXPECT_EQ(ParseModelSpec("ollama/qwen3:8b", MapEnv({}))->base_url, "http://127.0.0.1:11434");
  EXPECT_EQ(ParseModelSpec("llamacpp/any", MapEnv({}))->base_url, "http://127.0.0.1:8080/v1");
}

TEST(ModelSpec, MissingKeyNamesTheVariableToSet) {
  Result<ModelSpec> spec = ParseModelSpec("xai/grok-4", MapEnv({}));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(spec.error().message(), "set XAI_API_KEY to use xai/grok-4");
  EXPECT_EQ(ParseModelSpec("openai/gpt-5", MapEnv({{"OPENAI_API_KEY", ""}})).error().message(),
            "set OPENAI_API_KEY to use openai/gpt-5");
}

TEST(ModelSpec, UnknownProviderListsTheValidOnes) {
  Result<ModelSpec> spec = ParseModelSpec("grok/grok-4", MapEnv({}));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().code(), StatusCode::kInvalidArgument);
  const std::string& m = spec.error().message();
  EXPECT_NE(m.find("unknown provider 'grok'"), std::string::npos);
  for (const char* p : {"xai", "openai", "anthropic", "vllm", "llamacpp", "ollama", "#MODEL"}) {
    EXPECT_NE(m.find(p), std::string::npos) << p;
  }
  EXPECT_NE(ParseModelSpec("grok-4", MapEnv({})).error().message().find("PROVIDER/MODEL"),
            std::string::npos);
  EXPECT_NE(
      ParseModelSpec("xai/", MapEnv({{"XAI_API_KEY", "k"}})).error().message().find("no model"),
      std::string::npos);
}

TEST(ModelSpec, OpenAiResponsesProviderNeedsTheOpenAiKey) {
  Result<ModelSpec> spec =
      ParseModelSpec("openai-responses/gpt-5", MapEnv({{"OPENAI_API_KEY", "sk-resp-123456"}}));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->protocol, WireProtocol::kOpenAiResponses);
  EXPECT_EQ(spec->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(spec->model, "gpt-5");
  EXPECT_EQ(spec->key_env, "OPENAI_API_KEY");
  Result<ModelSpec> keyless = ParseModelSpec("openai-responses/gpt-5", MapEnv({}));
  ASSERT_FALSE(keyless.ok());
  EXPECT_EQ(keyless.error().message(), "set OPENAI_API_KEY to use openai-responses/gpt-5");
}

TEST(ModelSpec, EndpointUrlsWithAModelName) {
  Result<ModelSpec> chat = ParseModelSpec("http://127.0.0.1:5000/v1/#my-model",
                                          MapEnv({{"MH_API_KEY", "endpoint-key-123"}}));
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  EXPECT_EQ(chat->protocol, WireProtocol::kOpenAiChat);
  EXPECT_EQ(chat->base_url, "http://127.0.0.1:5000/v1");
  EXPECT_EQ(chat->model, "my-model");
  EXPECT_EQ(chat->api_key, "endpoint-key-123");
  EXPECT_EQ(chat->key_env, "MH_API_KEY");

  Result<ModelSpec> anthropic =
      ParseModelSpec("anthropic+https://gw.example:8443#claude", MapEnv({}));
  ASSERT_TRUE(anthropic.ok());
  EXPECT_EQ(anthropic->protocol, WireProtocol::kAnthropicMessages);
  EXPECT_EQ(anthropic->base_url, "https://gw.example:8443");
  EXPECT_EQ(anthropic->api_key, "");

  EXPECT_NE(ParseModelSpec("http://127.0.0.1:5000/v1", MapEnv({})).error().message().find("#MODEL"),
            std::string::npos);
  EXPECT_FALSE(ParseModelSpec("http:///v1#m", MapEnv({})).ok());
  EXPECT_FALSE(ParseModelSpec("anthropic+ftp://x#m", MapEnv({})).ok());
}

TEST(ModelSpec, BaseUrlOverridesFromEnvironmentBeatConfig) {
  BaseUrlOverrides config = {{"vllm", "http://10.0.0.5:8000/v1/"}};
  EXPECT_EQ(ParseModelSpec("vllm/m", MapEnv({}), config)->base_url, "http://10.0.0.5:8000/v1");
  EXPECT_EQ(
      ParseModelSpec("vllm/m", MapEnv({{"MH_VLLM_BASE_URL", "http://127.0.0.1:9/v1"}}), config)
          ->base_url,
      "http://127.0.0.1:9/v1");
  Result<ModelSpec> bad = ParseModelSpec("vllm/m", MapEnv({{"MH_VLLM_BASE_URL", "127.0.0.1:9"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("MH_VLLM_BASE_URL"), std::string::npos);
}

TEST(ModelSpec, KeysAreRegisteredAsSecrets) {
  ASSERT_TRUE(
      ParseModelSpec("xai/grok-4", MapEnv({{"XAI_API_KEY", "xai-registered-key-42"}})).ok());
  EXPECT_EQ(RedactSecrets("key=xai-registered-key-42"), "key=[REDACTED]");
}

TEST(ModelSpec, BaseUrlOverridesFromTomlNameTheLineAtFault) {
  Result<ConfigFile> file = ConfigFile::Parse(
      "[base_urls]\nxai = \"http://127.0.0.1:7000/v1\"\nollama = \"http://gpu-box:11434/v1\"\n",
      "company.toml");
  ASSERT_TRUE(file.ok());
  Result<BaseUrlOverrides> urls =
      LoadBaseUrlOverrides(*file, *file->root()["base_urls"].as_table());
  ASSERT_TRUE(urls.ok()) << urls.status().ToString();
  EXPECT_EQ(urls->at("ollama"), "http://gpu-box:11434/v1");

  Result<ConfigFile> bad = ConfigFile::Parse("[base_urls]\nxai = \"ok\"\n", "company.toml");
  Result<BaseUrlOverrides> error = LoadBaseUrlOverrides(*bad, *bad->root()["base_urls"].as_table());
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.error().message().find("company.toml:2"), std::string::npos);
  Result<ConfigFile> unknown =
      ConfigFile::Parse("[base_urls]\n\nmistral = \"http://x\"\n", "c.toml");
  Result<BaseUrlOverrides> e2 =
      LoadBaseUrlOverrides(*unknown, *unknown->root()["base_urls"].as_table());
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message().find("c.toml:3: unknown provider 'mistral'"), std::string::npos);
}

TEST(ModelSpec, OllamaSpeaksTheNativeApiAtTheServerRoot) {
  Result<ModelSpec> spec = ParseModelSpec("ollama/qwen3:8b", MapEnv({}));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->protocol, WireProtocol::kOllamaChat);
  EXPECT_EQ(spec->provider, "ollama");
  EXPECT_EQ(spec->model, "qwen3:8b");
  EXPECT_EQ(spec->api_key, "");
  // A base URL set for the OpenAI-compatible endpoint (.../v1) still works: /v1 is dropped.
  EXPECT_EQ(ParseModelSpec("ollama/q", MapEnv({{"MH_OLLAMA_BASE_URL", "http://gpu:11434/v1/"}}))
                ->base_url,
            "http://gpu:11434");
  EXPECT_EQ(ParseModelSpec("ollama/q", MapEnv({}), {{"ollama", "http://box:11434/v1"}})->base_url,
            "http://box:11434");
  // OLLAMA_HOST as Ollama's own clients read it, below MH_OLLAMA_BASE_URL.
  EXPECT_EQ(ParseModelSpec("ollama/q", MapEnv({{"OLLAMA_HOST", "gpu-box"}}))->base_url,
            "http://gpu-box:11434");
  EXPECT_EQ(ParseModelSpec("ollama/q", MapEnv({{"OLLAMA_HOST", "0.0.0.0:8000"}}))->base_url,
            "http://127.0.0.1:8000");
  EXPECT_EQ(
      ParseModelSpec("ollama/q", MapEnv({{"OLLAMA_HOST", "https://ollama.example"}}))->base_url,
      "https://ollama.example");
  EXPECT_EQ(ParseModelSpec("ollama/q", MapEnv({{"OLLAMA_HOST", "gpu-box"},
                                               {"MH_OLLAMA_BASE_URL", "http://other:1"}}))
                ->base_url,
            "http://other:1");
  // The vllm provider keeps its /v1: only Ollama's root is normalised.
  EXPECT_EQ(ParseModelSpec("vllm/m", MapEnv({{"MH_VLLM_BASE_URL", "http://h:8000/v1"}}))->base_url,
            "http://h:8000/v1");
}

TEST(ModelSpec, OllamaEndpointForm) {
  Result<ModelSpec> spec =
      ParseModelSpec("ollama+http://127.0.0.1:9999/v1#qwen3", MapEnv({{"MH_API_KEY", "k-1"}}));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->protocol, WireProtocol::kOllamaChat);
  EXPECT_EQ(spec->base_url, "http://127.0.0.1:9999");
  EXPECT_EQ(spec->model, "qwen3");
  EXPECT_EQ(spec->api_key, "k-1");
  EXPECT_FALSE(ParseModelSpec("ollama+http://127.0.0.1:9999", MapEnv({})).ok());
  EXPECT_FALSE(ParseModelSpec("ollama+ftp://h#m", MapEnv({})).ok());
}

}  // namespace
}  // namespace mh::llm
