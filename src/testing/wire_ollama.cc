// Ollama's native /api/chat: NDJSON stream lines and whole bodies.
#include "testing/wire.h"

namespace mh::testing {
namespace {

constexpr char kCreatedAt[] = "2025-08-01T10:00:00.000000Z";

std::string DoneReason(const Reply& reply) {
  // Ollama says "stop" after tool calls too; "length" at the num_predict limit.
  return reply.stop_reason.empty() ? "stop" : reply.stop_reason;
}

Json Line(const Reply& reply, Json message, bool done) {
  return {{"model", reply.model},
          {"created_at", kCreatedAt},
          {"message", std::move(message)},
          {"done", done}};
}

Json ToolCalls(const Reply& reply) {
  Json calls = Json::array();
  for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
    const ReplyToolCall& call = reply.tool_calls[i];
    // Arguments are an object; under malformed_tool_json, the text that does not parse.
    Result<Json> arguments = ParseJson(call.arguments);
    calls.push_back({{"function",
                      {{"index", i},
                       {"name", call.name},
                       {"arguments", arguments.ok() ? *arguments : Json(call.arguments)}}}});
  }
  return calls;
}

// The counts Ollama puts on its last object: the prompt tokens read, the tokens written
// (thinking included), and durations in nanoseconds.
void AddCounts(const Reply& reply, Json& line) {
  int64_t prompt = reply.input_tokens + reply.cache_read_tokens + reply.cache_write_tokens;
  line["done_reason"] = DoneReason(reply);
  line["total_duration"] = 1'000'000;
  line["load_duration"] = 1'000;
  line["prompt_eval_count"] = prompt;
  line["prompt_eval_duration"] = 100'000;
  line["eval_count"] = reply.output_tokens + reply.reasoning_tokens;
  line["eval_duration"] = 800'000;
}

}  // namespace

std::vector<std::string> OllamaStreamLines(const Reply& reply) {
  std::vector<std::string> lines;
  auto add = [&](Json message, bool done = false) {
    Json line = Line(reply, std::move(message), done);
    if (done) AddCounts(reply, line);
    lines.push_back(DumpJson(line) + "\n");
  };
  for (std::string_view piece : SplitUtf8(reply.reasoning, reply.chunk_chars)) {
    add({{"role", "assistant"}, {"content", ""}, {"thinking", piece}});
  }
  for (std::string_view piece : SplitUtf8(reply.text, reply.chunk_chars)) {
    add({{"role", "assistant"}, {"content", piece}});
  }
  // Tool calls come whole, in one object of their own.
  if (!reply.tool_calls.empty()) {
    add({{"role", "assistant"}, {"content", ""}, {"tool_calls", ToolCalls(reply)}});
  }
  add({{"role", "assistant"}, {"content", ""}}, /*done=*/true);
  return lines;
}

std::string OllamaBody(const Reply& reply) {
  Json message = {{"role", "assistant"}, {"content", reply.text}};
  if (!reply.reasoning.empty()) message["thinking"] = reply.reasoning;
  if (!reply.tool_calls.empty()) message["tool_calls"] = ToolCalls(reply);
  Json body = Line(reply, std::move(message), /*done=*/true);
  AddCounts(reply, body);
  return DumpJson(body);
}

}  // namespace mh::testing
