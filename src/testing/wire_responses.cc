// OpenAI Responses: "response" objects and the response.* event stream.
#include "testing/wire.h"

namespace mh::testing {
namespace {

Json Usage(const Reply& reply) {
  return {{"input_tokens", reply.input_tokens},
          {"input_tokens_details", {{"cached_tokens", 0}}},
          {"output_tokens", reply.output_tokens},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", reply.input_tokens + reply.output_tokens}};
}

Json TextPart(std::string_view text) {
  return {{"type", "output_text"}, {"text", text}, {"annotations", Json::array()}};
}

Json MessageItem(const Reply& reply, bool done) {
  return {{"id", reply.message_id},
          {"type", "message"},
          {"status", done ? "completed" : "in_progress"},
          {"role", "assistant"},
          {"content", done ? Json::array({TextPart(reply.text)}) : Json::array()}};
}

Json CallItem(const ReplyToolCall& call, bool done) {
  return {{"id", call.item_id},
          {"type", "function_call"},
          {"status", done ? "completed" : "in_progress"},
          {"arguments", done ? call.arguments : ""},
          {"call_id", call.call_id},
          {"name", call.name}};
}

Json Output(const Reply& reply) {
  Json output = Json::array();
  if (!reply.text.empty() || reply.tool_calls.empty()) output.push_back(MessageItem(reply, true));
  for (const ReplyToolCall& call : reply.tool_calls) output.push_back(CallItem(call, true));
  return output;
}

// The Responses API has no stop reason; "max_output_tokens" ends a response incomplete.
bool Incomplete(const Reply& reply) { return reply.stop_reason == "max_output_tokens"; }

Json ResponseObject(const Reply& reply, bool done) {
  bool incomplete = done && Incomplete(reply);
  return {
      {"id", reply.id},
      {"object", "response"},
      {"created_at", reply.created},
      {"status", !done        ? "in_progress"
                 : incomplete ? "incomplete"
                              : "completed"},
      {"error", nullptr},
      {"incomplete_details", incomplete ? Json({{"reason", "max_output_tokens"}}) : Json(nullptr)},
      {"model", reply.model},
      {"output", done ? Output(reply) : Json::array()},
      {"parallel_tool_calls", true},
      {"tool_choice", "auto"},
      {"tools", Json::array()},
      {"usage", done ? Usage(reply) : Json(nullptr)}};
}

Json With(Json base, const Json& extra) {
  base.update(extra);
  return base;
}

// Appends events, numbering them with sequence_number.
class EventWriter {
 public:
  void Add(std::string_view type, Json data) {
    Json event = {{"type", type}, {"sequence_number", sequence_++}};
    event.update(data);
    events_.push_back(SseEvent(type, event));
  }
  std::vector<std::string> Take() { return std::move(events_); }

 private:
  int sequence_ = 0;
  std::vector<std::string> events_;
};

void AddMessageEvents(const Reply& reply, int index, EventWriter& w) {
  Json where = {{"item_id", reply.message_id}, {"output_index", index}, {"content_index", 0}};
  w.Add("response.output_item.added",
        {{"output_index", index}, {"item", MessageItem(reply, false)}});
  w.Add("response.content_part.added", With(where, {{"part", TextPart("")}}));
  for (std::string_view piece : SplitUtf8(reply.text, reply.chunk_chars)) {
    w.Add("response.output_text.delta",
          With(where, {{"delta", piece}, {"logprobs", Json::array()}}));
  }
  w.Add("response.output_text.done",
        With(where, {{"text", reply.text}, {"logprobs", Json::array()}}));
  w.Add("response.content_part.done", With(where, {{"part", TextPart(reply.text)}}));
  w.Add("response.output_item.done", {{"output_index", index}, {"item", MessageItem(reply, true)}});
}

void AddCallEvents(const ReplyToolCall& call, int index, int chunk_chars, EventWriter& w) {
  w.Add("response.output_item.added", {{"output_index", index}, {"item", CallItem(call, false)}});
  for (std::string_view piece : SplitUtf8(call.arguments, chunk_chars)) {
    w.Add("response.function_call_arguments.delta",
          {{"item_id", call.item_id}, {"output_index", index}, {"delta", piece}});
  }
  w.Add("response.function_call_arguments.done", {{"item_id", call.item_id},
                                                  {"output_index", index},
                                                  {"name", call.name},
                                                  {"arguments", call.arguments}});
  w.Add("response.output_item.done", {{"output_index", index}, {"item", CallItem(call, true)}});
}

}  // namespace

std::vector<std::string> ResponsesStreamEvents(const Reply& reply) {
  EventWriter w;
  w.Add("response.created", {{"response", ResponseObject(reply, false)}});
  w.Add("response.in_progress", {{"response", ResponseObject(reply, false)}});
  int index = 0;
  if (!reply.text.empty() || reply.tool_calls.empty()) AddMessageEvents(reply, index++, w);
  for (const ReplyToolCall& call : reply.tool_calls) {
    AddCallEvents(call, index++, reply.chunk_chars, w);
  }
  w.Add(Incomplete(reply) ? "response.incomplete" : "response.completed",
        {{"response", ResponseObject(reply, true)}});
  return w.Take();
}

std::string ResponsesBody(const Reply& reply) { return DumpJson(ResponseObject(reply, true)); }

}  // namespace mh::testing
