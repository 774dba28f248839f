// Provider codec costs, in memory: how much CPU the model layer adds per model turn.
#include <benchmark/benchmark.h>

#include "llm/fake_transport.h"
#include "llm/model_factory.h"
#include "llm/test_observer.h"

namespace mh::llm {
namespace {

using testing::CallRecord;
using testing::FakeTransport;
using testing::MapEnv;
using testing::RecordingObserver;

// A session of `turns` tool-calling turns, each with a 2 KB tool result: ~100 KB at 50.
ModelRequest Conversation(int turns) {
  ModelRequest request;
  request.system_prompt = std::string(4000, 's');
  request.messages.push_back(Message::User("Fix the failing test in src/parser.cc."));
  for (int i = 0; i < turns; ++i) {
    ToolCall call;
    call.id = "call_" + std::to_string(i);
    call.name = "bash";
    call.arguments = {{"command", "sed -n 1,80p src/parser.cc"}};
    request.messages.push_back(Message::Assistant("Looking at the parser.", {call}));
    request.messages.push_back(Message::ToolResult(call.id, std::string(2000, 'x')));
  }
  for (int t = 0; t < 10; ++t) {
    request.tools.push_back({"tool" + std::to_string(t), "A tool", {{"type", "object"}}});
  }
  return request;
}

std::unique_ptr<Model> NewModel(const std::string& name, FakeTransport& transport) {
  auto model = MakeModel(name, transport,
                         MapEnv({{"XAI_API_KEY", "xai-bench-key-123456"},
                                 {"ANTHROPIC_API_KEY", "sk-ant-bench-123456"}}),
                         PriceTable::WithDefaults());
  return std::move(*model);
}

// One call: encode `request`, answer with `reply`, decode.
void RunCall(benchmark::State& state, const std::string& name, const ModelRequest& request,
             const testing::CannedReply& reply) {
  FakeTransport transport;
  std::unique_ptr<Model> model = NewModel(name, transport);
  for (auto _ : state) {
    transport.Enqueue(reply);
    CallRecord record;
    model->Complete(request, std::make_unique<RecordingObserver>(record));
    if (!record.result || !record.result->ok()) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(record);
  }
}

std::string ChatStream(int pieces) {
  std::vector<std::pair<std::string, std::string>> events;
  for (int i = 0; i < pieces; ++i) {
    events.push_back({"", R"({"choices":[{"index":0,"delta":{"content":"word "}}]})"});
  }
  events.push_back({"", R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"});
  events.push_back({"", "[DONE]"});
  return testing::SseBody(events);
}

std::string AnthropicStream(int pieces) {
  std::vector<std::pair<std::string, std::string>> events = {
      {"message_start",
       R"({"type":"message_start","message":{"model":"m","usage":{"input_tokens":9}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"}};
  for (int i = 0; i < pieces; ++i) {
    events.push_back(
        {"content_block_delta",
         R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word "}})"});
  }
  events.push_back(
      {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"}})"});
  events.push_back({"message_stop", R"({"type":"message_stop"})"});
  return testing::SseBody(events);
}

void BM_ChatEncodeLongConversation(benchmark::State& state) {
  ModelRequest request = Conversation(static_cast<int>(state.range(0)));
  request.stream = false;
  RunCall(state, "xai/grok-4", request,
          testing::Reply(200, "application/json",
                         R"({"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]})"));
}
BENCHMARK(BM_ChatEncodeLongConversation)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

void BM_AnthropicEncodeLongConversation(benchmark::State& state) {
  ModelRequest request = Conversation(static_cast<int>(state.range(0)));
  request.stream = false;
  RunCall(state, "anthropic/claude-sonnet-4-5", request,
          testing::Reply(200, "application/json",
                         R"({"content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn"})"));
}
BENCHMARK(BM_AnthropicEncodeLongConversation)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

// 1000 text deltas in 512-byte network pieces.
void BM_ChatStreamDecode(benchmark::State& state) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  RunCall(state, "xai/grok-4", request,
          testing::Reply(200, "text/event-stream", ChatStream(1000), 512));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ChatStreamDecode)->Unit(benchmark::kMicrosecond);

void BM_AnthropicStreamDecode(benchmark::State& state) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  RunCall(state, "anthropic/claude-sonnet-4-5", request,
          testing::Reply(200, "text/event-stream", AnthropicStream(1000), 512));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_AnthropicStreamDecode)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mh::llm

// Gemini generateContent (its own block, so the other codecs' blocks merge untouched).
namespace mh::llm {
namespace {

void RunGeminiCall(benchmark::State& state, const ModelRequest& request,
                   const testing::CannedReply& reply) {
  FakeTransport transport;
  auto model =
      MakeModel("gemini/gemini-2.5-flash", transport,
                MapEnv({{"GEMINI_API_KEY", "AIza-bench-key-123456"}}), PriceTable::WithDefaults());
  if (!model.ok()) {
    state.SkipWithError("no model");
    return;
  }
  for (auto _ : state) {
    transport.Enqueue(reply);
    CallRecord record;
    (*model)->Complete(request, std::make_unique<RecordingObserver>(record));
    if (!record.result || !record.result->ok()) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(record);
  }
}

std::string GeminiStream(int pieces) {
  std::vector<std::pair<std::string, std::string>> events;
  for (int i = 0; i < pieces; ++i) {
    events.push_back(
        {"",
         R"({"candidates":[{"content":{"parts":[{"text":"word "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"r"})"});
  }
  events.push_back(
      {"",
       R"({"candidates":[{"content":{"parts":[{"text":"","thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":1000,"totalTokenCount":1009},"modelVersion":"gemini-2.5-flash","responseId":"r"})"});
  return testing::SseBody(events);
}

void BM_GeminiEncodeLongConversation(benchmark::State& state) {
  ModelRequest request = Conversation(static_cast<int>(state.range(0)));
  request.stream = false;
  RunGeminiCall(
      state, request,
      testing::Reply(
          200, "application/json",
          R"({"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP"}]})"));
}
BENCHMARK(BM_GeminiEncodeLongConversation)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

void BM_GeminiStreamDecode(benchmark::State& state) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  RunGeminiCall(state, request, testing::Reply(200, "text/event-stream", GeminiStream(1000), 512));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_GeminiStreamDecode)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mh::llm

// Ollama's native API: JSON objects in, NDJSON lines out.
namespace mh::llm {
namespace {

std::string OllamaStream(int pieces) {
  std::string out;
  for (int i = 0; i < pieces; ++i) {
    out +=
        R"({"model":"qwen3","created_at":"2025-08-01T10:00:00Z","message":{"role":"assistant","content":"word "},"done":false})";
    out += "\n";
  }
  out +=
      R"({"model":"qwen3","created_at":"2025-08-01T10:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":1000})";
  out += "\n";
  return out;
}

void BM_OllamaEncodeLongConversation(benchmark::State& state) {
  ModelRequest request = Conversation(static_cast<int>(state.range(0)));
  request.stream = false;
  RunCall(state, "ollama/qwen3", request,
          testing::Reply(200, "application/json",
                         R"({"message":{"role":"assistant","content":"ok"},"done":true})"));
}
BENCHMARK(BM_OllamaEncodeLongConversation)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

// 1000 text lines in 512-byte network pieces.
void BM_OllamaStreamDecode(benchmark::State& state) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  RunCall(state, "ollama/qwen3", request,
          testing::Reply(200, "application/x-ndjson", OllamaStream(1000), 512));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_OllamaStreamDecode)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mh::llm

// OpenAI Responses (an endpoint name, so no key is needed).
namespace mh::llm {
namespace {

constexpr char kResponsesModel[] = "responses+http://127.0.0.1:1/v1#gpt-5";

// As OpenAI streams a text reply: each delta names its item, output and content index.
std::string ResponsesStream(int pieces) {
  std::vector<std::pair<std::string, std::string>> events = {
      {"response.created",
       R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","model":"gpt-5","output":[]}})"},
      {"response.output_item.added",
       R"({"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}})"}};
  for (int i = 0; i < pieces; ++i) {
    events.push_back(
        {"response.output_text.delta",
         R"({"type":"response.output_text.delta","sequence_number":)" + std::to_string(i + 2) +
             R"(,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"word ","logprobs":[]})"});
  }
  events.push_back(
      {"response.output_item.done",
       R"({"type":"response.output_item.done","output_index":0,"item":{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"word","annotations":[]}]}})"});
  events.push_back(
      {"response.completed",
       R"({"type":"response.completed","response":{"id":"resp_1","status":"completed","model":"gpt-5","output":[],"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":0},"output_tokens":1000,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":1009}}})"});
  return testing::SseBody(events);
}

void BM_ResponsesEncodeLongConversation(benchmark::State& state) {
  ModelRequest request = Conversation(static_cast<int>(state.range(0)));
  request.stream = false;
  RunCall(
      state, kResponsesModel, request,
      testing::Reply(
          200, "application/json",
          R"({"status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"ok"}]}]})"));
}
BENCHMARK(BM_ResponsesEncodeLongConversation)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

// 1000 text deltas in 512-byte network pieces.
void BM_ResponsesStreamDecode(benchmark::State& state) {
  ModelRequest request;
  request.messages.push_back(Message::User("hi"));
  RunCall(state, kResponsesModel, request,
          testing::Reply(200, "text/event-stream", ResponsesStream(1000), 512));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ResponsesStreamDecode)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mh::llm

BENCHMARK_MAIN();
