// OpenAI Chat Completions: "chat.completion" bodies and "chat.completion.chunk" streams.
#include "testing/wire.h"

namespace mh::testing {
namespace {

std::string FinishReason(const Reply& reply) {
  if (!reply.stop_reason.empty()) return reply.stop_reason;
  return reply.tool_calls.empty() ? "stop" : "tool_calls";
}

// Chat counts cached and cache-written input inside prompt_tokens, and reasoning inside
// completion_tokens (xAI: beside it, in total_tokens only).
Json Usage(const Reply& reply) {
  int64_t prompt = reply.input_tokens + reply.cache_read_tokens + reply.cache_write_tokens;
  int64_t completion = reply.output_tokens + (reply.reasoning_apart ? 0 : reply.reasoning_tokens);
  int64_t total = prompt + completion + (reply.reasoning_apart ? reply.reasoning_tokens : 0);
  Json usage = {
      {"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", total}};
  if (reply.cache_read_tokens > 0 || reply.cache_write_tokens > 0) {
    usage["prompt_tokens_details"] = {{"cached_tokens", reply.cache_read_tokens}};
    if (reply.cache_write_tokens > 0) {
      usage["prompt_tokens_details"]["cache_write_tokens"] = reply.cache_write_tokens;
    }
  }
  if (reply.reasoning_tokens > 0) {
    usage["completion_tokens_details"] = {{"reasoning_tokens", reply.reasoning_tokens}};
  }
  return usage;
}

// One chunk with one choice carrying `delta`.
Json Chunk(const Reply& reply, Json delta, Json finish_reason = nullptr) {
  Json chunk = {{"id", reply.id},
                {"object", "chat.completion.chunk"},
                {"created", reply.created},
                {"model", reply.model},
                {"system_fingerprint", nullptr},
                {"choices", Json::array({{{"index", 0},
                                          {"delta", std::move(delta)},
                                          {"logprobs", nullptr},
                                          {"finish_reason", std::move(finish_reason)}}})}};
  if (reply.include_usage) chunk["usage"] = nullptr;
  return chunk;
}

}  // namespace

std::vector<std::string> ChatStreamEvents(const Reply& reply) {
  std::vector<std::string> events;
  events.push_back(
      SseEvent("", Chunk(reply, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}})));
  for (std::string_view piece : SplitUtf8(reply.reasoning, reply.chunk_chars)) {
    events.push_back(
        SseEvent("", Chunk(reply, {{"content", nullptr}, {"reasoning_content", piece}})));
  }
  for (std::string_view piece : SplitUtf8(reply.text, reply.chunk_chars)) {
    events.push_back(SseEvent("", Chunk(reply, {{"content", piece}})));
  }
  for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
    const ReplyToolCall& call = reply.tool_calls[i];
    Json head = {{"index", i},
                 {"id", call.call_id},
                 {"type", "function"},
                 {"function", {{"name", call.name}, {"arguments", ""}}}};
    events.push_back(SseEvent("", Chunk(reply, {{"tool_calls", Json::array({head})}})));
    for (std::string_view piece : SplitUtf8(call.arguments, reply.chunk_chars)) {
      Json part = {{"index", i}, {"function", {{"arguments", piece}}}};
      events.push_back(SseEvent("", Chunk(reply, {{"tool_calls", Json::array({part})}})));
    }
  }
  events.push_back(SseEvent("", Chunk(reply, Json::object(), FinishReason(reply))));
  if (reply.include_usage) {
    Json usage = Chunk(reply, Json::object());
    usage["choices"] = Json::array();
    usage["usage"] = Usage(reply);
    events.push_back(SseEvent("", usage));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::string ChatBody(const Reply& reply) {
  Json message = {{"role", "assistant"},
                  {"content", reply.text.empty() && !reply.tool_calls.empty() ? Json(nullptr)
                                                                              : Json(reply.text)},
                  {"refusal", nullptr}};
  if (!reply.reasoning.empty()) message["reasoning_content"] = reply.reasoning;
  if (!reply.tool_calls.empty()) {
    Json calls = Json::array();
    for (const ReplyToolCall& call : reply.tool_calls) {
      calls.push_back({{"id", call.call_id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  Json body = {{"id", reply.id},
               {"object", "chat.completion"},
               {"created", reply.created},
               {"model", reply.model},
               {"system_fingerprint", nullptr},
               {"choices", Json::array({{{"index", 0},
                                         {"message", std::move(message)},
                                         {"logprobs", nullptr},
                                         {"finish_reason", FinishReason(reply)}}})},
               {"usage", Usage(reply)}};
  return DumpJson(body);
}

}  // namespace mh::testing
