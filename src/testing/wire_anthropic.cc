// Anthropic Messages: "message" bodies and the message_start ... message_stop stream.
#include "testing/wire.h"

namespace mh::testing {
namespace {

std::string StopReason(const Reply& reply) {
  if (!reply.stop_reason.empty()) return reply.stop_reason;
  return reply.tool_calls.empty() ? "end_turn" : "tool_use";
}

bool HasTextBlock(const Reply& reply) { return !reply.text.empty() || reply.tool_calls.empty(); }

Json Message(const Reply& reply, Json content, Json stop_reason, int64_t output_tokens) {
  return {{"id", reply.id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", reply.model},
          {"content", std::move(content)},
          {"stop_reason", std::move(stop_reason)},
          {"stop_sequence", nullptr},
          {"usage",
           {{"input_tokens", reply.input_tokens},
            {"cache_creation_input_tokens", reply.cache_write_tokens},
            {"cache_read_input_tokens", reply.cache_read_tokens},
            {"output_tokens", output_tokens}}}};
}

// Anthropic counts thinking inside output_tokens.
int64_t OutputTokens(const Reply& reply) { return reply.output_tokens + reply.reasoning_tokens; }

// The tool's input as an object; a malformed one stays the (unparsable) text it is.
Json ToolInput(const ReplyToolCall& call) {
  if (call.malformed) return call.arguments;
  Result<Json> input = ParseJson(call.arguments);
  return input.ok() ? *input : Json::object();
}

}  // namespace

std::vector<std::string> AnthropicStreamEvents(const Reply& reply) {
  std::vector<std::string> events;
  events.push_back(SseEvent(
      "message_start",
      {{"type", "message_start"}, {"message", Message(reply, Json::array(), nullptr, 1)}}));
  int index = 0;
  auto block = [&](Json start, const std::vector<Json>& deltas) {
    events.push_back(SseEvent(
        "content_block_start",
        {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(start)}}));
    if (index == 0) events.push_back(SseEvent("ping", {{"type", "ping"}}));
    for (const Json& delta : deltas) {
      events.push_back(
          SseEvent("content_block_delta",
                   {{"type", "content_block_delta"}, {"index", index}, {"delta", delta}}));
    }
    events.push_back(
        SseEvent("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  };
  if (!reply.reasoning.empty()) {
    std::vector<Json> deltas;
    for (std::string_view piece : SplitUtf8(reply.reasoning, reply.chunk_chars)) {
      deltas.push_back({{"type", "thinking_delta"}, {"thinking", piece}});
    }
    deltas.push_back(
        {{"type", "signature_delta"}, {"signature", FakeThinkingSignature(reply.reasoning)}});
    block({{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, deltas);
  }
  if (HasTextBlock(reply)) {
    std::vector<Json> deltas;
    for (std::string_view piece : SplitUtf8(reply.text, reply.chunk_chars)) {
      deltas.push_back({{"type", "text_delta"}, {"text", piece}});
    }
    block({{"type", "text"}, {"text", ""}}, deltas);
  }
  for (const ReplyToolCall& call : reply.tool_calls) {
    std::vector<Json> deltas;
    for (std::string_view piece : SplitUtf8(call.arguments, reply.chunk_chars)) {
      deltas.push_back({{"type", "input_json_delta"}, {"partial_json", piece}});
    }
    block({{"type", "tool_use"},
           {"id", call.call_id},
           {"name", call.name},
           {"input", Json::object()}},
          deltas);
  }
  events.push_back(SseEvent(
      "message_delta", {{"type", "message_delta"},
                        {"delta", {{"stop_reason", StopReason(reply)}, {"stop_sequence", nullptr}}},
                        {"usage", {{"output_tokens", OutputTokens(reply)}}}}));
  events.push_back(SseEvent("message_stop", {{"type", "message_stop"}}));
  return events;
}

std::string AnthropicBody(const Reply& reply) {
  Json content = Json::array();
  if (!reply.reasoning.empty()) {
    content.push_back({{"type", "thinking"},
                       {"thinking", reply.reasoning},
                       {"signature", FakeThinkingSignature(reply.reasoning)}});
  }
  if (HasTextBlock(reply)) content.push_back({{"type", "text"}, {"text", reply.text}});
  for (const ReplyToolCall& call : reply.tool_calls) {
    content.push_back({{"type", "tool_use"},
                       {"id", call.call_id},
                       {"name", call.name},
                       {"input", ToolInput(call)}});
  }
  return DumpJson(Message(reply, std::move(content), StopReason(reply), OutputTokens(reply)));
}

}  // namespace mh::testing
