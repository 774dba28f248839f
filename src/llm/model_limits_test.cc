#include "llm/model_limits.h"

#include <gtest/gtest.h>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

TEST(ModelLimits, WellKnownModelsHaveTheirWindowAndDatedIdsMatchTheirFamily) {
  EXPECT_EQ(DefaultModelLimits("claude-sonnet-4-5-20250929").context_window, 200'000);
  EXPECT_EQ(DefaultModelLimits("claude-sonnet-4-5").output_limit, 64'000);
  EXPECT_EQ(DefaultModelLimits("gpt-5-mini").context_window, 400'000);
  EXPECT_EQ(DefaultModelLimits("deepseek-chat").output_limit, 8'000);
  EXPECT_EQ(DefaultModelLimits("qwen3-coder").context_window, 0) << "unknown stays unknown";
  ModelLimits over = WithOverrides(DefaultModelLimits("gpt-4.1"), {.context_window = 32'768});
  EXPECT_EQ(over.context_window, 32'768);
  EXPECT_EQ(over.output_limit, 32'768) << "the default output limit stays";
}

TEST(ModelLimits, MaxTokensFitsWhatTheWindowLeaves) {
  ModelLimits vllm{.context_window = 32'768};
  EXPECT_EQ(FitMaxTokens(8192, vllm, 1'000), 8192);
  EXPECT_EQ(FitMaxTokens(8192, vllm, 30'000), 2'768) << "prompt + max_tokens stays in the window";
  EXPECT_EQ(FitMaxTokens(8192, vllm, 40'000), kMinReplyTokens) << "the provider says why";
  EXPECT_EQ(FitMaxTokens(100'000, {.output_limit = 64'000}, 10), 64'000);
  EXPECT_EQ(FitMaxTokens(8192, {}, 1'000'000), 8192) << "unknown limits fit nothing";
}

TEST(ModelLimits, RequestsGoOutWithFittedMaxTokens) {
  testing::FakeTransport transport;
  transport.Enqueue(testing::Reply(
      200, "application/json",
      R"({"choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})"));
  ModelOptions options;
  options.limits = {.context_window = 2'000};
  auto model = MakeModel("vllm/qwen3", transport, testing::MapEnv({}), PriceTable(), options);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->limits().context_window, 2'000);
  ModelRequest request;
  request.messages.push_back(Message::User(std::string(4'000, 'a')));  // ~1,000+ tokens.
  request.max_tokens = 8192;
  request.stream = false;
  Result<ModelResponse> reply = CompleteBlocking(**model, request);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  int64_t sent = (*ParseJson(transport.requests()[0].body))["max_tokens"].get<int64_t>();
  EXPECT_GE(sent, kMinReplyTokens);
  EXPECT_LE(sent, 1'000) << "prompt + max_tokens within the 2,000-token window";
  EXPECT_EQ(reply->max_tokens, sent);
}

}  // namespace
}  // namespace mh::llm
