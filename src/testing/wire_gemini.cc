// Google Gemini: GenerateContentResponse bodies and the streamGenerateContent?alt=sse
// stream (each event one whole response chunk, no terminator), and google.rpc errors.
#include "testing/wire.h"

namespace mh::testing {
namespace {

// The scenario's stop_reason in Gemini's words: the other protocols' names for the output
// limit become MAX_TOKENS; anything else (SAFETY, RECITATION, ...) goes as written.
std::string FinishReason(const Reply& reply) {
  const std::string& r = reply.stop_reason;
  if (r.empty() || r == "stop" || r == "end_turn" || r == "tool_calls" || r == "tool_use") {
    return "STOP";
  }
  if (r == "length" || r == "max_tokens" || r == "max_output_tokens") return "MAX_TOKENS";
  return r;
}

// Gemini counts cached input inside promptTokenCount and thoughts apart from the candidates.
Json UsageMetadata(const Reply& reply, bool final) {
  int64_t prompt = reply.input_tokens + reply.cache_read_tokens;
  Json usage = {{"promptTokenCount", prompt}};
  if (!final) {
    usage["totalTokenCount"] = prompt;
    return usage;
  }
  usage["candidatesTokenCount"] = reply.output_tokens;
  usage["totalTokenCount"] = prompt + reply.output_tokens + reply.reasoning_tokens;
  usage["promptTokensDetails"] = Json::array({{{"modality", "TEXT"}, {"tokenCount", prompt}}});
  if (reply.cache_read_tokens > 0) usage["cachedContentTokenCount"] = reply.cache_read_tokens;
  if (reply.reasoning_tokens > 0) usage["thoughtsTokenCount"] = reply.reasoning_tokens;
  return usage;
}

Json Chunk(const Reply& reply, Json parts, const std::string& finish, bool final) {
  Json candidate = {{"index", 0}};
  if (!parts.empty()) candidate["content"] = {{"parts", std::move(parts)}, {"role", "model"}};
  if (!finish.empty()) candidate["finishReason"] = finish;
  if (finish == "MALFORMED_FUNCTION_CALL") {
    candidate["finishMessage"] = "Malformed function call: the arguments are not valid JSON.";
  }
  return {{"candidates", Json::array({std::move(candidate)})},
          {"usageMetadata", UsageMetadata(reply, final)},
          {"modelVersion", reply.model},
          {"responseId", reply.id}};
}

bool Malformed(const Reply& reply) {
  for (const ReplyToolCall& call : reply.tool_calls) {
    if (call.malformed) return true;
  }
  return false;
}

Json CallPart(const ReplyToolCall& call, bool first, const Reply& reply) {
  Result<Json> args = ParseJson(call.arguments);
  Json function = {{"name", call.name}, {"args", args.ok() ? *args : Json::object()}};
  if (!call.call_id.empty()) function["id"] = call.call_id;
  Json part = {{"functionCall", std::move(function)}};
  // Gemini signs the first function call of a turn.
  if (first) part["thoughtSignature"] = FakeThoughtSignature(reply);
  return part;
}

}  // namespace

std::string FakeThoughtSignature(const Reply& reply) {
  return "fake-thought-signature-" + reply.id;
}

std::vector<std::string> GeminiStreamEvents(const Reply& reply) {
  std::vector<std::string> events;
  if (Malformed(reply)) {
    events.push_back(SseEvent("", Chunk(reply, Json::array(), "MALFORMED_FUNCTION_CALL", true)));
    return events;
  }
  std::vector<Json> parts;
  for (std::string_view piece : SplitUtf8(reply.reasoning, reply.chunk_chars)) {
    parts.push_back({{"text", piece}, {"thought", true}});
  }
  for (std::string_view piece : SplitUtf8(reply.text, reply.chunk_chars)) {
    parts.push_back({{"text", piece}});
  }
  if (reply.tool_calls.empty()) {
    // A text reply's signature comes on its last part, or on an empty one of its own.
    if (parts.empty() || parts.back().contains("thought")) parts.push_back({{"text", ""}});
    parts.back()["thoughtSignature"] = FakeThoughtSignature(reply);
  }
  std::string finish = FinishReason(reply);
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size() && reply.tool_calls.empty();
    events.push_back(SseEvent("", Chunk(reply, Json::array({parts[i]}), last ? finish : "", last)));
  }
  if (!reply.tool_calls.empty()) {
    // Function calls come whole, together, in the last chunk.
    Json calls = Json::array();
    for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
      calls.push_back(CallPart(reply.tool_calls[i], i == 0, reply));
    }
    events.push_back(SseEvent("", Chunk(reply, std::move(calls), finish, true)));
  }
  return events;
}

std::string GeminiBody(const Reply& reply) {
  if (Malformed(reply)) {
    return DumpJson(Chunk(reply, Json::array(), "MALFORMED_FUNCTION_CALL", true));
  }
  Json parts = Json::array();
  if (!reply.reasoning.empty()) parts.push_back({{"text", reply.reasoning}, {"thought", true}});
  if (!reply.text.empty() || reply.tool_calls.empty()) {
    Json part = {{"text", reply.text}};
    if (reply.tool_calls.empty()) part["thoughtSignature"] = FakeThoughtSignature(reply);
    parts.push_back(std::move(part));
  }
  for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
    parts.push_back(CallPart(reply.tool_calls[i], i == 0, reply));
  }
  return DumpJson(Chunk(reply, std::move(parts), FinishReason(reply), true));
}

std::string GeminiErrorStatus(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

std::string GeminiErrorBody(int status, std::string_view message, std::string_view rpc_status) {
  Json error = {{"code", status},
                {"message", message},
                {"status", rpc_status.empty() ? GeminiErrorStatus(status) : rpc_status}};
  if (status == 429) {
    error["details"] = Json::array(
        {{{"@type", "type.googleapis.com/google.rpc.RetryInfo"}, {"retryDelay", "20s"}}});
  }
  return DumpJson({{"error", std::move(error)}});
}

}  // namespace mh::testing
