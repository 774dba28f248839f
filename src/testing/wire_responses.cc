// OpenAI Responses: "response" objects and the response.* event stream.
#include "testing/wire.h"

namespace mh::testing {
namespace {

// Cached (and cache-written) input is inside input_tokens, reasoning inside output_tokens;
// total_tokens is their sum.
Json Usage(const Reply& reply) {
  int64_t input = reply.input_tokens + reply.cache_read_tokens + reply.cache_write_tokens;
  int64_t output = reply.output_tokens + reply.reasoning_tokens;
  Json input_details = {{"cached_tokens", reply.cache_read_tokens}};
  if (reply.cache_write_tokens > 0) input_details["cache_write_tokens"] = reply.cache_write_tokens;
  return {{"input_tokens", input},
          {"input_tokens_details", std::move(input_details)},
          {"output_tokens", output},
          {"output_tokens_details", {{"reasoning_tokens", reply.reasoning_tokens}}},
          {"total_tokens", input + output}};
}

// The Responses API has no stop reason; "max_output_tokens" ends a response incomplete.
bool Incomplete(const Reply& reply) { return reply.stop_reason == "max_output_tokens"; }

Json TextPart(std::string_view text) {
  return {{"type", "output_text"}, {"text", text}, {"annotations", Json::array()}};
}

Json MessageItem(const Reply& reply, bool done) {
  std::string status = !done ? "in_progress" : Incomplete(reply) ? "incomplete" : "completed";
  return {{"id", reply.message_id},
          {"type", "message"},
          {"status", status},
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

// As OpenAI sends it: encrypted_content only when the request included it; the summary
// empty until the item is done.
Json ReasoningItem(const Reply& reply, bool done) {
  Json item = {{"id", reply.reasoning_id}, {"type", "reasoning"}};
  if (reply.encrypted_reasoning)
    item["encrypted_content"] = FakeEncryptedReasoning(reply.reasoning);
  Json summary = Json::array();
  if (done) summary.push_back({{"type", "summary_text"}, {"text", reply.reasoning}});
  item["summary"] = std::move(summary);
  return item;
}

bool HasMessage(const Reply& reply) { return !reply.text.empty() || reply.tool_calls.empty(); }

Json Output(const Reply& reply) {
  Json output = Json::array();
  if (!reply.reasoning.empty()) output.push_back(ReasoningItem(reply, true));
  if (HasMessage(reply)) output.push_back(MessageItem(reply, true));
  for (const ReplyToolCall& call : reply.tool_calls) output.push_back(CallItem(call, true));
  return output;
}

// `state`: "in_progress", "completed" (or "incomplete", by the reply) or "failed".
Json ResponseObject(const Reply& reply, std::string_view state, Json error = nullptr) {
  bool incomplete = state == "completed" && Incomplete(reply);
  return {
      {"id", reply.id},
      {"object", "response"},
      {"created_at", reply.created},
      {"status", incomplete ? "incomplete" : state},
      {"error", std::move(error)},
      {"incomplete_details", incomplete ? Json({{"reason", "max_output_tokens"}}) : Json(nullptr)},
      {"model", reply.model},
      {"output", state == "completed" ? Output(reply) : Json::array()},
      {"parallel_tool_calls", true},
      {"store", false},
      {"tool_choice", "auto"},
      {"tools", Json::array()},
      {"usage", state == "completed" ? Usage(reply) : Json(nullptr)}};
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

void AddReasoningEvents(const Reply& reply, int index, EventWriter& w) {
  Json where = {{"item_id", reply.reasoning_id}, {"output_index", index}, {"summary_index", 0}};
  w.Add("response.output_item.added",
        {{"output_index", index}, {"item", ReasoningItem(reply, false)}});
  Json empty_part = {{"type", "summary_text"}, {"text", ""}};
  w.Add("response.reasoning_summary_part.added", With(where, {{"part", empty_part}}));
  for (std::string_view piece : SplitUtf8(reply.reasoning, reply.chunk_chars)) {
    w.Add("response.reasoning_summary_text.delta", With(where, {{"delta", piece}}));
  }
  w.Add("response.reasoning_summary_text.done", With(where, {{"text", reply.reasoning}}));
  Json part = {{"type", "summary_text"}, {"text", reply.reasoning}};
  w.Add("response.reasoning_summary_part.done", With(where, {{"part", part}}));
  w.Add("response.output_item.done",
        {{"output_index", index}, {"item", ReasoningItem(reply, true)}});
}

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
  w.Add("response.created", {{"response", ResponseObject(reply, "in_progress")}});
  w.Add("response.in_progress", {{"response", ResponseObject(reply, "in_progress")}});
  int index = 0;
  if (!reply.reasoning.empty()) AddReasoningEvents(reply, index++, w);
  if (HasMessage(reply)) AddMessageEvents(reply, index++, w);
  for (const ReplyToolCall& call : reply.tool_calls) {
    AddCallEvents(call, index++, reply.chunk_chars, w);
  }
  w.Add(Incomplete(reply) ? "response.incomplete" : "response.completed",
        {{"response", ResponseObject(reply, "completed")}});
  return w.Take();
}

std::string ResponsesBody(const Reply& reply) {
  return DumpJson(ResponseObject(reply, "completed"));
}

std::vector<std::string> ResponsesErrorEvents(const Reply& reply, std::string_view type,
                                              std::string_view message) {
  EventWriter w;
  w.Add("response.created", {{"response", ResponseObject(reply, "in_progress")}});
  w.Add("response.in_progress", {{"response", ResponseObject(reply, "in_progress")}});
  w.Add("error", {{"code", type}, {"message", message}, {"param", nullptr}});
  Json error = {{"code", type}, {"message", message}};
  w.Add("response.failed", {{"response", ResponseObject(reply, "failed", error)}});
  return w.Take();
}

std::string ResponsesErrorBody(const Reply& reply, std::string_view type,
                               std::string_view message) {
  return DumpJson(ResponseObject(reply, "failed", {{"code", type}, {"message", message}}));
}

}  // namespace mh::testing
