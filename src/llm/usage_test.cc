#include "llm/usage.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mh::llm {
namespace {

TEST(Usage, CostIsPricePerMillionTokensOfEachKind) {
  ModelPrice price{3.0, 15.0, 0.30, 3.75, false};
  Usage usage{2'000, 500, 10'000, 1'000};
  // 2k*3 + 500*15 + 10k*0.3 + 1k*3.75 = 6000 + 7500 + 3000 + 3750 = 20250 micro-dollars.
  EXPECT_NEAR(CostOf(price, usage), 0.02025, 1e-12);
}

TEST(Usage, DefaultsCoverWellKnownModelsAndEndpointsShareThemByBareName) {
  PriceTable table = PriceTable::WithDefaults();
  const ModelPrice* sonnet = table.Find("anthropic/claude-sonnet-4-5");
  ASSERT_NE(sonnet, nullptr);
  EXPECT_TRUE(sonnet->is_default);
  EXPECT_EQ(sonnet->output, 15.0);
  // A proxy serving the same model under another provider name finds the same price.
  EXPECT_EQ(table.Find("anthropic-compatible/claude-sonnet-4-5"), sonnet);
  EXPECT_EQ(table.Find("ollama/qwen3:8b"), nullptr);
  // Endpoint URLs are priced by the model id after '#', whatever their host and port.
  EXPECT_EQ(table.Find("anthropic+http://127.0.0.1:41234#claude-sonnet-4-5"), sonnet);
  EXPECT_EQ(table.Find("http://127.0.0.1:8000/v1#nosuch-model"), nullptr);
}

TEST(Usage, ConfigOverridesReplaceDefaults) {
  PriceTable table = PriceTable::WithDefaults();
  Result<ConfigFile> file = ConfigFile::Parse(
      "[prices.\"xai/grok-4\"]\ninput = 2\noutput = 10.5\n"
      "[prices.\"vllm/local\"]\ninput = 0.01\noutput = 0.02\ncache_read = 0.001\n",
      "company.toml");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(table.LoadOverrides(*file, *file->root()["prices"].as_table()).ok());
  const ModelPrice* grok = table.Find("xai/grok-4");
  ASSERT_NE(grok, nullptr);
  EXPECT_FALSE(grok->is_default);
  EXPECT_EQ(grok->input, 2.0);
  EXPECT_EQ(grok->output, 10.5);
  EXPECT_EQ(grok->cache_read, 0.0);  // Not carried over from the default.
  EXPECT_EQ(table.Find("vllm/local")->cache_read, 0.001);
}

Status LoadError(const std::string& text) {
  PriceTable table;
  Result<ConfigFile> file = ConfigFile::Parse(text, "company.toml");
  EXPECT_TRUE(file.ok());
  Status s = table.LoadOverrides(*file, *file->root()["prices"].as_table());
  EXPECT_TRUE(table.entries().empty());  // Nothing half-loaded.
  return s;
}

TEST(Usage, BadPriceConfigIsRefusedWithFileAndLine) {
  EXPECT_EQ(LoadError("[prices]\n\"m/a\" = 3\n").message(),
            "company.toml:2: price for 'm/a' must be a table with input and output");
  EXPECT_EQ(LoadError("[prices.\"m/a\"]\ninput = 1\nouptut = 2\n").message(),
            "company.toml:3: unknown key 'ouptut' (valid: input, output, cache_read, cache_write)");
  EXPECT_EQ(LoadError("[prices.\"m/a\"]\ninput = \"cheap\"\noutput = 1\n").message(),
            "company.toml:2: 'input' must be a number");
  EXPECT_EQ(LoadError("[prices.\"m/b\"]\ninput = 1\noutput = -2\n").message(),
            "company.toml:3: 'output' must not be negative");
  EXPECT_NE(LoadError("[prices.\"m/c\"]\ninput = 1\n").message().find("needs 'output'"),
            std::string::npos);
}

TEST(Usage, MeterTotalsPerModelFromManyThreads) {
  UsageMeter meter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&meter, t] {
      for (int i = 0; i < 250; ++i) {
        meter.Record(t % 2 == 0 ? "xai/grok-4" : "ollama/qwen", Usage{10, 1, 0, 0},
                     t % 2 == 0 ? 0.5 : 0.0, t % 2 == 0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto by_model = meter.ByModel();
  EXPECT_EQ(by_model.at("xai/grok-4").calls, 500);
  EXPECT_NEAR(by_model.at("xai/grok-4").cost_usd, 250.0, 1e-9);
  EXPECT_FALSE(by_model.at("ollama/qwen").all_priced);
  UsageTotals total = meter.Total();
  EXPECT_EQ(total.calls, 1000);
  EXPECT_EQ(total.usage.input_tokens, 10'000);
  EXPECT_FALSE(total.all_priced);
}

}  // namespace
}  // namespace mh::llm

namespace mh::llm {
namespace {

TEST(UsageFromProviderJson, OpenRouterCacheWritesAndDeepSeekCacheHitsAreNotPlainInput) {
  Usage openrouter = UsageFromProviderJson(*ParseJson(
      R"({"prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020,
          "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 800}})"));
  EXPECT_EQ(openrouter, (Usage{.input_tokens = 100,
                               .output_tokens = 20,
                               .cache_read_tokens = 100,
                               .cache_write_tokens = 800}));
  Usage deepseek = UsageFromProviderJson(*ParseJson(
      R"({"prompt_tokens": 64, "completion_tokens": 5, "prompt_cache_hit_tokens": 60,
          "prompt_cache_miss_tokens": 4})"));
  EXPECT_EQ(deepseek.input_tokens, 4);
  EXPECT_EQ(deepseek.cache_read_tokens, 60);
}

TEST(UsageFromProviderJson, ReasoningIsCountedOnceWhateverTheProviderConvention) {
  // OpenAI: inside completion_tokens (total = prompt + completion).
  Usage openai = UsageFromProviderJson(*ParseJson(
      R"({"prompt_tokens": 75, "completion_tokens": 1186, "total_tokens": 1261,
          "completion_tokens_details": {"reasoning_tokens": 1024}})"));
  EXPECT_EQ(openai.output_tokens, 162);
  EXPECT_EQ(openai.reasoning_tokens, 1024);
  EXPECT_EQ(openai.total(), 1261);
  // xAI: on top (total = prompt + completion + reasoning), found from the total alone.
  Usage xai = UsageFromProviderJson(*ParseJson(
      R"({"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 399,
          "completion_tokens_details": {"reasoning_tokens": 386}})"));
  EXPECT_EQ(xai.output_tokens, 1);
  EXPECT_EQ(xai.reasoning_tokens, 386);
  EXPECT_EQ(xai.total(), 399);
  // Responses: cached input inside input_tokens, reasoning inside output_tokens.
  Usage responses = UsageFromProviderJson(*ParseJson(
      R"({"input_tokens": 500, "input_tokens_details": {"cached_tokens": 400},
          "output_tokens": 300, "output_tokens_details": {"reasoning_tokens": 256}})"));
  EXPECT_EQ(responses, (Usage{.input_tokens = 100,
                              .output_tokens = 44,
                              .cache_read_tokens = 400,
                              .reasoning_tokens = 256}));
  // Macrohard's own events read back as they were written.
  Usage native = UsageFromProviderJson(*ParseJson(
      R"({"input_tokens": 1, "output_tokens": 2, "cache_read_tokens": 3,
          "cache_write_tokens": 4, "reasoning_tokens": 5})"));
  EXPECT_EQ(native, (Usage{1, 2, 3, 4, 5}));
  EXPECT_EQ(UsageFromProviderJson(Json("garbage")), Usage{});
}

TEST(CostOfTest, ReasoningCostsTheOutputPrice) {
  ModelPrice price{.input = 3, .output = 15};
  EXPECT_DOUBLE_EQ(CostOf(price, Usage{.output_tokens = 1'000'000, .reasoning_tokens = 1'000'000}),
                   30.0);
}

}  // namespace
}  // namespace mh::llm
