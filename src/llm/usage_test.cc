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
