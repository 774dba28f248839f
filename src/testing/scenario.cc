#include "testing/scenario.h"

#include <initializer_list>

namespace mh::testing {
namespace {

constexpr FaultKind kFaultKinds[] = {
    FaultKind::kHttpStatus,        FaultKind::kDelay, FaultKind::kStall,      FaultKind::kCutStream,
    FaultKind::kMalformedToolJson, FaultKind::kHtml,  FaultKind::kStreamError};

// Reads typed keys of one JSON object; every error names `where` (e.g. "turn 2 (turns[1])").
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Error(std::string_view message) const {
    return InvalidArgumentError(where_ + ": " + std::string(message));
  }

  Status CheckKeys(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      bool found = false;
      for (std::string_view k : known) found = found || k == key;
      if (found) continue;
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Error("unknown key '" + key + "' (expected one of " + list + ")");
    }
    return Status::Ok();
  }

  const Json* Find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  Status String(std::string_view key, std::string& out) const {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_string()) return Error(std::string(key) + " must be a string");
    out = v->get<std::string>();
    return Status::Ok();
  }

  Status OptString(std::string_view key, std::optional<std::string>& out) const {
    std::string s;
    if (Find(key) == nullptr) return Status::Ok();
    RETURN_IF_ERROR(String(key, s));
    out = std::move(s);
    return Status::Ok();
  }

  Status Int(std::string_view key, int64_t min, int64_t max, std::optional<int64_t>& out) const {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
      return Error(std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
                   std::to_string(max));
    }
    out = v->get<int64_t>();
    return Status::Ok();
  }

  Status Bool(std::string_view key, std::optional<bool>& out) const {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean()) return Error(std::string(key) + " must be true or false");
    out = v->get<bool>();
    return Status::Ok();
  }

 private:
  const Json& object_;
  std::string where_;
};

Result<TurnMatch> ParseWhen(const Json& json, const std::string& where) {
  if (!json.is_object()) return InvalidArgumentError(where + ": when must be an object");
  ObjectReader r(json, where + ": when");
  RETURN_IF_ERROR(r.CheckKeys({"tool_results", "min_tool_results", "contains", "last_contains",
                               "offers_tool", "no_tools", "protocol", "stream"}));
  TurnMatch m;
  std::optional<int64_t> n;
  RETURN_IF_ERROR(r.Int("tool_results", 0, 1'000'000, n));
  if (n) m.tool_results = static_cast<int>(*n);
  n.reset();
  RETURN_IF_ERROR(r.Int("min_tool_results", 0, 1'000'000, n));
  if (n) m.min_tool_results = static_cast<int>(*n);
  RETURN_IF_ERROR(r.OptString("contains", m.contains));
  RETURN_IF_ERROR(r.OptString("last_contains", m.last_contains));
  RETURN_IF_ERROR(r.OptString("offers_tool", m.offers_tool));
  RETURN_IF_ERROR(r.Bool("no_tools", m.no_tools));
  RETURN_IF_ERROR(r.Bool("stream", m.stream));
  std::optional<std::string> protocol;
  RETURN_IF_ERROR(r.OptString("protocol", protocol));
  if (protocol) {
    for (Protocol p : {Protocol::kChat, Protocol::kResponses, Protocol::kAnthropic,
                       Protocol::kGemini, Protocol::kOllama}) {
      if (*protocol == ProtocolName(p)) m.protocol = p;
    }
    if (!m.protocol) {
      return r.Error("protocol '" + *protocol +
                     "' is not one of chat, responses, anthropic, gemini, ollama");
    }
  }
  return m;
}

Result<Fault> ParseFault(const Json& json, const std::string& where) {
  if (!json.is_object()) return InvalidArgumentError(where + ": fault must be an object");
  ObjectReader r(json, where);
  RETURN_IF_ERROR(r.CheckKeys({"kind", "status", "retry_after", "delay_ms", "after_events", "times",
                               "error_type", "message", "metadata_raw"}));
  std::string kind;
  RETURN_IF_ERROR(r.String("kind", kind));
  Fault f;
  bool known = false;
  std::string names;
  for (FaultKind k : kFaultKinds) {
    names += (names.empty() ? "" : ", ") + std::string(FaultKindName(k));
    if (kind == FaultKindName(k)) {
      f.kind = k;
      known = true;
    }
  }
  if (!known) return r.Error("fault.kind '" + kind + "' is not one of " + names);
  std::optional<int64_t> n;
  RETURN_IF_ERROR(r.Int("status", 400, 599, n));
  if (n) f.status = static_cast<int>(*n);
  if (f.kind == FaultKind::kHttpStatus && !n) return r.Error("fault.status is required");
  if (const Json* v = r.Find("retry_after"); v != nullptr && v->is_number_integer()) {
    f.retry_after = std::to_string(v->get<int64_t>());
  } else {
    RETURN_IF_ERROR(r.String("retry_after", f.retry_after));
  }
  n.reset();
  RETURN_IF_ERROR(r.Int("delay_ms", 0, 3'600'000, n));
  if (f.kind == FaultKind::kDelay && !n) return r.Error("fault.delay_ms is required");
  f.delay_ms = n.value_or(0);
  n.reset();
  RETURN_IF_ERROR(r.Int("after_events", 0, 1'000'000, n));
  if (n) f.after_events = static_cast<int>(*n);
  RETURN_IF_ERROR(r.Int("times", 0, INT64_MAX, f.times));
  RETURN_IF_ERROR(r.String("error_type", f.error_type));
  RETURN_IF_ERROR(r.String("message", f.message));
  RETURN_IF_ERROR(r.String("metadata_raw", f.metadata_raw));
  return f;
}

Result<ToolCallSpec> ParseToolCall(const Json& json, const std::string& where) {
  if (!json.is_object()) return InvalidArgumentError(where + " must be an object");
  ObjectReader r(json, where);
  RETURN_IF_ERROR(r.CheckKeys({"name", "arguments"}));
  ToolCallSpec call;
  RETURN_IF_ERROR(r.String("name", call.name));
  if (call.name.empty()) return r.Error("name is required");
  if (const Json* args = r.Find("arguments")) {
    if (!args->is_object()) return r.Error("arguments must be a JSON object");
    call.arguments = *args;
  }
  return call;
}

Status ParseReply(const ObjectReader& r, const std::string& where, Turn& turn) {
  RETURN_IF_ERROR(r.String("text", turn.text));
  RETURN_IF_ERROR(r.String("reasoning", turn.reasoning));
  RETURN_IF_ERROR(r.String("stop_reason", turn.stop_reason));
  if (const Json* calls = r.Find("tool_calls")) {
    if (!calls->is_array()) return r.Error("tool_calls must be an array");
    for (size_t i = 0; i < calls->size(); ++i) {
      ASSIGN_OR_RETURN(ToolCallSpec call, ParseToolCall((*calls)[i], where + ": tool_calls[" +
                                                                         std::to_string(i) + "]"));
      turn.tool_calls.push_back(std::move(call));
    }
  }
  if (const Json* usage = r.Find("usage")) {
    if (!usage->is_object()) return r.Error("usage must be an object");
    ObjectReader u(*usage, where + ": usage");
    RETURN_IF_ERROR(u.CheckKeys({"input_tokens", "output_tokens", "reasoning_tokens",
                                 "cache_read_tokens", "cache_write_tokens", "reasoning_apart"}));
    std::optional<int64_t> in, out, reasoning, cache_read, cache_write;
    std::optional<bool> apart;
    RETURN_IF_ERROR(u.Int("input_tokens", 0, INT64_MAX / 8, in));
    RETURN_IF_ERROR(u.Int("output_tokens", 0, INT64_MAX / 8, out));
    RETURN_IF_ERROR(u.Int("reasoning_tokens", 0, INT64_MAX / 8, reasoning));
    RETURN_IF_ERROR(u.Int("cache_read_tokens", 0, INT64_MAX / 8, cache_read));
    RETURN_IF_ERROR(u.Int("cache_write_tokens", 0, INT64_MAX / 8, cache_write));
    RETURN_IF_ERROR(u.Bool("reasoning_apart", apart));
    turn.usage = UsageSpec{in.value_or(0),         out.value_or(0),         reasoning.value_or(0),
                           cache_read.value_or(0), cache_write.value_or(0), apart.value_or(false)};
  }
  std::optional<int64_t> n;
  RETURN_IF_ERROR(r.Int("chunk_chars", 1, 1'000'000, n));
  turn.chunk_chars = static_cast<int>(n.value_or(8));
  n.reset();
  RETURN_IF_ERROR(r.Int("delay_ms", 0, 3'600'000, n));
  turn.delay_ms = n.value_or(0);
  return Status::Ok();
}

Result<Turn> ParseTurn(const Json& json, size_t index) {
  std::string where =
      "turn " + std::to_string(index + 1) + " (turns[" + std::to_string(index) + "])";
  if (!json.is_object()) return InvalidArgumentError(where + ": must be an object");
  ObjectReader r(json, where);
  RETURN_IF_ERROR(r.CheckKeys({"when", "text", "reasoning", "tool_calls", "stop_reason", "usage",
                               "chunk_chars", "delay_ms", "fault"}));
  Turn turn;
  if (const Json* when = r.Find("when")) {
    ASSIGN_OR_RETURN(turn.when, ParseWhen(*when, where));
  }
  RETURN_IF_ERROR(ParseReply(r, where, turn));
  if (const Json* fault = r.Find("fault")) {
    ASSIGN_OR_RETURN(turn.fault, ParseFault(*fault, where));
  }
  return turn;
}

Result<Scenario> ParseScenarioJson(const Json& json) {
  if (!json.is_object()) return InvalidArgumentError("scenario: must be a JSON object");
  ObjectReader r(json, "scenario");
  RETURN_IF_ERROR(r.CheckKeys({"name", "model", "models", "turns", "description",
                               "require_reasoning_back", "context_tokens"}));
  Scenario s;
  std::optional<bool> require_reasoning;
  RETURN_IF_ERROR(r.Bool("require_reasoning_back", require_reasoning));
  s.require_reasoning_back = require_reasoning.value_or(false);
  std::optional<int64_t> context_tokens;
  RETURN_IF_ERROR(r.Int("context_tokens", 0, INT64_MAX / 8, context_tokens));
  s.context_tokens = context_tokens.value_or(0);
  RETURN_IF_ERROR(r.String("name", s.name));
  RETURN_IF_ERROR(r.String("model", s.model));
  s.models.push_back(s.model);
  if (const Json* models = r.Find("models")) {
    if (!models->is_array()) return r.Error("models must be an array of strings");
    for (const Json& m : *models) {
      if (!m.is_string()) return r.Error("models must be an array of strings");
      if (m.get<std::string>() != s.model) s.models.push_back(m.get<std::string>());
    }
  }
  const Json* turns = r.Find("turns");
  if (turns == nullptr || !turns->is_array() || turns->empty()) {
    return r.Error("turns must be a non-empty array");
  }
  for (size_t i = 0; i < turns->size(); ++i) {
    ASSIGN_OR_RETURN(Turn turn, ParseTurn((*turns)[i], i));
    s.turns.push_back(std::move(turn));
  }
  return s;
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kChat:
      return "chat";
    case Protocol::kResponses:
      return "responses";
    case Protocol::kAnthropic:
      return "anthropic";
    case Protocol::kGemini:
      return "gemini";
    case Protocol::kOllama:
      return "ollama";
  }
  return "chat";
}

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kHttpStatus:
      return "http_status";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kStall:
      return "stall";
    case FaultKind::kCutStream:
      return "cut_stream";
    case FaultKind::kMalformedToolJson:
      return "malformed_tool_json";
    case FaultKind::kHtml:
      return "html";
    case FaultKind::kStreamError:
      return "stream_error";
  }
  return "http_status";
}

Result<Scenario> ParseScenario(std::string_view json_text) {
  Result<Json> json = ParseJson(json_text);
  if (!json.ok()) return InvalidArgumentError("scenario: " + json.error().message());
  try {
    return ParseScenarioJson(*json);
  } catch (const Json::exception& e) {
    return InvalidArgumentError(std::string("scenario: ") + e.what());
  }
}

}  // namespace mh::testing
