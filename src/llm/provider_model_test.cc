// Behaviour common to every provider: error mapping, secrets, cancellation, usage.
#include "llm/provider_model.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/secrets.h"
#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::CannedReply;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

constexpr char kKey[] = "xai-SECRET-0123456789abcdefghij";

class ProviderModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    meter_ = std::make_shared<UsageMeter>();
    ModelOptions options;
    options.meter = meter_;
    Result<std::unique_ptr<Model>> model =
        MakeModel("xai/grok-4", transport_, MapEnv({{"XAI_API_KEY", kKey}}),
                  PriceTable::WithDefaults(), options);
    ASSERT_TRUE(model.ok());
    model_ = std::move(*model);
  }

  // Runs a call answered by `reply`; returns its error (or Ok).
  Status Run(CannedReply reply, bool stream = false) {
    transport_.Enqueue(std::move(reply));
    CallRecord record;
    ModelRequest request;
    request.stream = stream;
    request.messages.push_back(Message::User("hi"));
    model_->Complete(request, std::make_unique<RecordingObserver>(record));
    EXPECT_EQ(record.completions, 1);
    Status status = record.result->status();
    EXPECT_EQ(status.message().find(kKey), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("SECRET"), std::string::npos) << status.message();
    return status;
  }

  FakeTransport transport_;
  std::shared_ptr<UsageMeter> meter_;
  std::unique_ptr<Model> model_;
};

TEST_F(ProviderModelTest, HtmlBodyIsAClearErrorNamingUrlAndContentType) {
  Status s = Run(testing::Reply(200, "text/html; charset=utf-8",
                                "<html><body>Proxy login required</body></html>"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "xai: expected JSON from https://api.x.ai/v1/chat/completions but got text/html; "
            "charset=utf-8 (first bytes: <html><body>Proxy login required</body></html>)");
}

TEST_F(ProviderModelTest, HtmlWhileStreamingIsAlsoAClearError) {
  Status s = Run(testing::Reply(200, "text/html", "<!DOCTYPE html><p>hi</p>"), true);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("but got text/html"), std::string::npos);
}

TEST_F(ProviderModelTest, TruncatedJsonIsAnErrorNotAPartialReply) {
  std::string body = R"({"choices":[{"message":{"content":"The answer is 4)";
  Status s = Run(testing::Reply(200, "application/json", body));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("truncated or malformed JSON from https://api.x.ai"),
            std::string::npos);
}

TEST_F(ProviderModelTest, JsonThatIsNotTheProtocolIsRefused) {
  Status s = Run(testing::Reply(200, "application/json", R"({"hello":"world"})"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "xai: reply is not the protocol: no choices in the reply");
}

TEST_F(ProviderModelTest, UnauthorizedNamesTheVariableAndNeverEchoesTheKey) {
  // Providers echo part of a refused key; even that must not come through.
  std::string echoed = std::string(kKey).substr(0, 20) + "****";
  std::string body =
      R"({"error":{"type":"invalid_api_key","message":"Incorrect API key provided: )" + echoed +
      R"("}})";
  Status s = Run(testing::Reply(401, "application/json", body));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("xai: HTTP 401 invalid_api_key: Incorrect API key provided"),
            std::string::npos);
  EXPECT_NE(s.message().find("check XAI_API_KEY"), std::string::npos);
}

TEST_F(ProviderModelTest, RateLimitAndServerErrorsAreUnavailable) {
  Status s = Run(testing::Reply(429, "application/json",
                                R"({"error":{"type":"rate_limit","message":"slow down"}})"));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "xai: HTTP 429 rate_limit: slow down (1 attempt)");
  Status html = Run(testing::Reply(502, "text/html", "<html>Bad Gateway</html>"));
  EXPECT_EQ(html.code(), StatusCode::kUnavailable);
  EXPECT_EQ(html.message(),
            "xai: HTTP 502 from https://api.x.ai/v1/chat/completions (text/html, first bytes: "
            "<html>Bad Gateway</html>) (1 attempt)");
}

TEST_F(ProviderModelTest, QuotaExhaustedIsResourceExhausted) {
  Status s = Run(testing::Reply(
      429, "application/json", R"({"error":{"type":"insufficient_quota","message":"no credit"}})"));
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

TEST_F(ProviderModelTest, TransportFailureKeepsItsCodeAndNamesTheProvider) {
  CannedReply reply;
  reply.status = 0;
  reply.done = UnavailableError("connect to 127.0.0.1:9 failed: Connection refused");
  transport_.Enqueue(reply);
  CallRecord record;
  model_->Complete(ModelRequest{}, std::make_unique<RecordingObserver>(record));
  ASSERT_FALSE(record.result->ok());
  EXPECT_EQ(record.result->error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(record.result->error().message(),
            "xai: connect to 127.0.0.1:9 failed: Connection refused");
}

TEST_F(ProviderModelTest, CancelEndsAPendingCallWithCancelled) {
  CallRecord record;
  CallId id = model_->Complete(ModelRequest{}, std::make_unique<RecordingObserver>(record));
  EXPECT_EQ(record.completions, 0);
  model_->Cancel(id);
  ASSERT_EQ(record.completions, 1);
  EXPECT_EQ(record.result->error().code(), StatusCode::kCancelled);
  EXPECT_EQ(transport_.pending(), 0u);
}

TEST_F(ProviderModelTest, InvalidConversationFailsThroughTheObserver) {
  CallRecord record;
  ModelRequest request;
  request.messages.push_back(Message::ToolResult("", "orphan result"));
  model_->Complete(request, std::make_unique<RecordingObserver>(record));
  ASSERT_EQ(record.completions, 1);
  EXPECT_EQ(record.result->error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(record.result->error().message().find("no tool_call_id"), std::string::npos);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(ProviderModelTest, MeterTotalsUsageAndCostPerModel) {
  std::string body = R"({"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}],)"
                     R"("usage":{"prompt_tokens":1000000,"completion_tokens":100000}})";
  ASSERT_TRUE(Run(testing::Reply(200, "application/json", body)).ok());
  ASSERT_TRUE(Run(testing::Reply(200, "application/json", body)).ok());
  UsageTotals totals = meter_->ByModel().at("xai/grok-4");
  EXPECT_EQ(totals.calls, 2);
  EXPECT_EQ(totals.usage.input_tokens, 2'000'000);
  EXPECT_NEAR(totals.cost_usd, 2 * (3.0 + 1.5), 1e-9);
  EXPECT_TRUE(totals.all_priced);
}

TEST_F(ProviderModelTest, ModelMayBeDestroyedWhileACallIsInFlight) {
  CallRecord record;
  CallId id = model_->Complete(ModelRequest{}, std::make_unique<RecordingObserver>(record));
  model_.reset();
  transport_.Play(id, testing::Reply(200, "application/json",
                                     R"({"choices":[{"message":{"content":"late"}}]})"));
  ASSERT_EQ(record.completions, 1);
  ASSERT_TRUE(record.result->ok());
  EXPECT_EQ((*record.result)->message.Text(), "late");
}

TEST_F(ProviderModelTest, CompleteBlockingReturnsTheReplyAndFeedsTheObserver) {
  transport_.Enqueue(testing::Reply(
      200, "text/event-stream",
      testing::SseBody({{"", R"({"choices":[{"delta":{"content":"hey"},"finish_reason":"stop"}]})"},
                        {"", "[DONE]"}})));
  CallRecord record;
  RecordingObserver observer(record);
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  Result<ModelResponse> r = CompleteBlocking(*model_, request, &observer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->message.Text(), "hey");
  EXPECT_EQ(record.streamed_text, "hey");
  EXPECT_EQ(record.completions, 1);
}

TEST_F(ProviderModelTest, CompleteBlockingHonoursAStopRequest) {
  std::stop_source stop;
  stop.request_stop();  // Already stopped: the pending call is cancelled at once.
  Result<ModelResponse> r = CompleteBlocking(*model_, ModelRequest{}, nullptr, stop.get_token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace mh::llm
