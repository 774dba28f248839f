#include "llm/ollama.h"

#include <cstdio>

#include "llm/provider_errors.h"

namespace mh::llm {
namespace {

// Reasoning Ollama returned (message.thinking) carries this origin, and only it goes back.
constexpr char kThinkingOrigin[] = "ollama";

Json Images(const std::vector<ContentPart>& parts) {
  Json images = Json::array();
  for (const ContentPart& part : parts) {
    if (part.is_image()) images.push_back(part.image.base64_data);
  }
  return images;
}

// Ollama messages take a text `content` and, for any role, base64 `images` beside it.
Json TextMessage(std::string_view role, const Message& m) {
  Json out = {{"role", role}, {"content", m.Text()}};
  if (m.HasImages()) out["images"] = Images(m.parts);
  return out;
}

Json EncodeAssistant(const Message& m) {
  Json out = {{"role", "assistant"}, {"content", m.Text()}};
  // Ollama's tool-calling guide sends the thinking back with the turn it came with.
  std::string thinking;
  for (const Reasoning& r : m.reasoning) {
    if (r.origin == kThinkingOrigin) thinking += r.text;
  }
  if (!thinking.empty()) out["thinking"] = std::move(thinking);
  if (m.tool_calls.empty()) return out;
  Json calls = Json::array();
  for (size_t i = 0; i < m.tool_calls.size(); ++i) {
    const ToolCall& call = m.tool_calls[i];
    // Arguments are an object here; a call whose arguments did not parse goes back as {}
    // (the tool result explains).
    Json function = {{"index", i},
                     {"name", call.name},
                     {"arguments", call.arguments_ok() ? call.arguments : Json::object()}};
    calls.push_back({{"id", call.id}, {"type", "function"}, {"function", std::move(function)}});
  }
  out["tool_calls"] = std::move(calls);
  return out;
}

// The name of the tool whose call `id` an earlier assistant message made; empty if none.
std::string ToolNameOf(const std::vector<Message>& messages, size_t before, const std::string& id) {
  for (size_t i = before; i-- > 0;) {
    if (messages[i].role != Role::kAssistant) continue;
    for (const ToolCall& call : messages[i].tool_calls) {
      if (call.id == id) return call.name;
    }
  }
  return "";
}

Result<Json> EncodeMessages(const ModelRequest& request) {
  Json out = Json::array();
  if (!request.system_prompt.empty()) {
    out.push_back({{"role", "system"}, {"content", request.system_prompt}});
  }
  const std::vector<Message>& messages = request.messages;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    switch (m.role) {
      case Role::kSystem:
        out.push_back({{"role", "system"}, {"content", m.Text()}});
        break;
      case Role::kUser:
        out.push_back(TextMessage("user", m));
        break;
      case Role::kAssistant:
        out.push_back(EncodeAssistant(m));
        break;
      case Role::kTool: {
        if (m.tool_call_id.empty()) {
          return InvalidArgumentError("tool result message " + std::to_string(i) +
                                      " has no tool_call_id");
        }
        // Ollama matches results to calls by tool name (tool_call_id where it knows it).
        Json tool = TextMessage("tool", m);
        tool["tool_name"] = ToolNameOf(messages, i, m.tool_call_id);
        tool["tool_call_id"] = m.tool_call_id;
        out.push_back(std::move(tool));
        break;
      }
    }
  }
  return out;
}

Json EncodeTools(const std::vector<ToolSpec>& tools) {
  Json out = Json::array();
  for (const ToolSpec& tool : tools) {
    out.push_back({{"type", "function"},
                   {"function",
                    {{"name", tool.name},
                     {"description", tool.description},
                     {"parameters", tool.parameters}}}});
  }
  return out;
}

// {"error": "..."}; some proxies nest it as {"error": {"message": ...}}.
std::optional<ProviderError> ErrorIn(const Json& body) {
  const Json* error = JsonField(body, "error");
  if (error == nullptr) return std::nullopt;
  if (error->is_string()) return ProviderError{"", error->get<std::string>()};
  if (error->is_object()) {
    return ProviderError{JsonString(*error, "type"), JsonString(*error, "message")};
  }
  return std::nullopt;
}

// An error inside a 200 reply (a stream line, a body) means the model runner failed
// after the request was accepted: a server error, worth retrying.
Status InReplyError(const ModelSpec& spec, ProviderError error) {
  if (error.type.empty()) error.type = "server_error";
  return StreamErrorStatus(spec, error);
}

StopReason MapDoneReason(std::string_view reason, bool has_tool_calls) {
  if (reason == "length") return StopReason::kMaxTokens;
  if (has_tool_calls) return StopReason::kToolUse;  // Ollama says "stop" after tool calls.
  if (reason == "stop" || reason.empty()) return StopReason::kEndTurn;
  return StopReason::kOther;  // "load", "unload" (an empty conversation), or new ones.
}

// prompt_eval_count is the prompt tokens the model read (what fitted its context);
// eval_count the tokens it wrote, thinking included (Ollama reports no split).
Usage UsageIn(const Json& chunk) {
  Usage usage;
  usage.input_tokens = std::max<int64_t>(0, JsonInt(chunk, "prompt_eval_count"));
  usage.output_tokens = std::max<int64_t>(0, JsonInt(chunk, "eval_count"));
  return usage;
}

// Ollama's calls have no id, or an optional one. Without one the id is made from the call
// and the reply's time, so ids differ across turns (and replays of a reply agree).
std::string CallIdFor(const Json& chunk, size_t index, const ToolCall& call) {
  uint32_t hash = 2166136261u;  // FNV-1a.
  for (const std::string& part :
       {JsonString(chunk, "created_at"), std::to_string(index), call.name, call.raw_arguments}) {
    for (char c : part + '\x1f') hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  char id[24];
  std::snprintf(id, sizeof id, "call_%zu_%08x", index, hash);
  return id;
}

// The tool calls of one message; `first_index` numbers them across a stream's chunks.
Result<std::vector<ToolCall>> CallsIn(const ModelSpec& spec, const Json& chunk, const Json& message,
                                      size_t first_index) {
  std::vector<ToolCall> out;
  const Json* calls = JsonField(message, "tool_calls");
  if (calls == nullptr || !calls->is_array()) return out;
  for (const Json& item : *calls) {
    const Json* function = JsonField(item, "function");
    if (function == nullptr) return NotProtocolStatus(spec, "tool call without a function");
    ToolCall call;
    call.name = JsonString(*function, "name");
    if (call.name.empty()) return NotProtocolStatus(spec, "tool call without a name");
    const Json* arguments = JsonField(*function, "arguments");
    // An object by the protocol; a string from servers that mimic OpenAI.
    call.raw_arguments = arguments == nullptr || arguments->is_null() ? ""
                         : arguments->is_string() ? arguments->get<std::string>()
                                                  : DumpJson(*arguments);
    ParseToolArguments(call);
    call.id = JsonString(item, "id");
    if (call.id.empty()) call.id = CallIdFor(chunk, first_index + out.size(), call);
    out.push_back(std::move(call));
  }
  return out;
}

class OllamaCodec final : public ProtocolCodec {
 public:
  OllamaCodec(ModelSpec spec, HttpTimeouts timeouts, ModelLimits limits)
      : spec_(std::move(spec)),
        url_(spec_.base_url + "/api/chat"),
        timeouts_(timeouts),
        limits_(limits) {}

  Result<HttpRequest> Encode(const ModelRequest& request) const override;
  Result<ModelResponse> DecodeBody(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;
  StreamFraming framing() const override { return StreamFraming::kNdjson; }
  std::optional<ProviderError> ParseError(std::string_view body) const override {
    Result<Json> json = ParseJson(body);
    if (!json.ok()) return std::nullopt;
    return ErrorIn(*json);
  }

  const ModelSpec& spec() const { return spec_; }
  const std::string& url() const override { return url_; }

 private:
  ModelSpec spec_;
  std::string url_;
  HttpTimeouts timeouts_;
  ModelLimits limits_;
};

Result<HttpRequest> OllamaCodec::Encode(const ModelRequest& request) const {
  ASSIGN_OR_RETURN(Json messages, EncodeMessages(request));
  Json body = {{"model", spec_.model}, {"messages", std::move(messages)}};
  if (!request.tools.empty()) body["tools"] = EncodeTools(request.tools);
  body["stream"] = request.stream;  // Ollama streams unless told not to.
  if (request.think) body["think"] = *request.think;
  // The prompt as ProviderModel estimates it (4 bytes a token), before the options.
  int64_t prompt_tokens = static_cast<int64_t>(DumpJson(body).size() / 4);
  Json options = {{"num_ctx", OllamaContextSize(prompt_tokens, request.max_tokens, limits_)},
                  {"num_predict", request.max_tokens}};
  if (request.temperature) options["temperature"] = *request.temperature;
  body["options"] = std::move(options);
  return JsonPost(url_, timeouts_, request.stream ? "application/x-ndjson" : "application/json",
                  body, "Authorization", spec_.api_key);
}

Result<ModelResponse> OllamaCodec::DecodeBody(std::string_view body) const {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return BadJsonStatus(spec_, url_, body, parsed.error());
  const Json& root = *parsed;
  if (!root.is_object()) return NotProtocolStatus(spec_, "the reply is not a JSON object");
  if (std::optional<ProviderError> error = ErrorIn(root)) return InReplyError(spec_, *error);
  const Json* message = JsonField(root, "message");
  if (message == nullptr || !message->is_object()) {
    return NotProtocolStatus(spec_, "no message in the reply");
  }
  ModelResponse response;
  response.message.role = Role::kAssistant;
  if (std::string text = JsonString(*message, "content"); !text.empty()) {
    response.message.parts.push_back(ContentPart::Text(std::move(text)));
  }
  if (std::string thinking = JsonString(*message, "thinking"); !thinking.empty()) {
    response.message.reasoning.push_back({.origin = kThinkingOrigin, .text = std::move(thinking)});
  }
  ASSIGN_OR_RETURN(response.message.tool_calls, CallsIn(spec_, root, *message, 0));
  response.stop_reason =
      MapDoneReason(JsonString(root, "done_reason"), !response.message.tool_calls.empty());
  response.usage = UsageIn(root);
  response.model = JsonString(root, "model");
  if (response.model.empty()) response.model = spec_.model;
  return response;
}

// Assembles a reply from NDJSON chunks: text and thinking come in pieces, tool calls
// whole (one or more per chunk); the chunk with "done": true ends it with the counts.
class OllamaStreamDecoder final : public StreamDecoder {
 public:
  explicit OllamaStreamDecoder(const OllamaCodec& codec) : codec_(codec) {}

  Status OnEvent(const SseEvent& event, CompletionObserver& observer) override {
    Result<Json> parsed = ParseJson(event.data);
    if (!parsed.ok()) {
      return BadJsonStatus(codec_.spec(), codec_.url(), event.data, parsed.error());
    }
    const Json& chunk = *parsed;
    if (!chunk.is_object())
      return NotProtocolStatus(codec_.spec(), "a stream line is not an object");
    if (std::optional<ProviderError> error = ErrorIn(chunk)) {
      return InReplyError(codec_.spec(), *error);
    }
    if (model_.empty()) model_ = JsonString(chunk, "model");
    if (const Json* message = JsonField(chunk, "message"); message && message->is_object()) {
      RETURN_IF_ERROR(OnMessage(chunk, *message, observer));
    }
    if (const Json* done = JsonField(chunk, "done"); done && done->is_boolean() && *done) {
      done_ = true;
      done_reason_ = JsonString(chunk, "done_reason");
      usage_ = UsageIn(chunk);
    }
    return Status::Ok();
  }

  StreamState state() const override {
    return done_ ? StreamState::kTerminated : StreamState::kOpen;
  }

  Result<ModelResponse> TakeResponse() override {
    ModelResponse response;
    response.message.role = Role::kAssistant;
    if (!text_.empty()) response.message.parts.push_back(ContentPart::Text(std::move(text_)));
    if (!thinking_.empty()) {
      response.message.reasoning.push_back(
          {.origin = kThinkingOrigin, .text = std::move(thinking_)});
    }
    response.message.tool_calls = std::move(calls_);
    response.stop_reason = MapDoneReason(done_reason_, !response.message.tool_calls.empty());
    response.usage = usage_;
    response.model = model_.empty() ? codec_.spec().model : model_;
    return response;
  }

 private:
  Status OnMessage(const Json& chunk, const Json& message, CompletionObserver& observer) {
    if (std::string thinking = JsonString(message, "thinking"); !thinking.empty()) {
      thinking_ += thinking;
      observer.OnReasoningDelta(thinking);
    }
    if (std::string text = JsonString(message, "content"); !text.empty()) {
      text_ += text;
      observer.OnTextDelta(text);
    }
    ASSIGN_OR_RETURN(std::vector<ToolCall> calls,
                     CallsIn(codec_.spec(), chunk, message, calls_.size()));
    for (ToolCall& call : calls) {
      observer.OnToolCallStarted(call);
      calls_.push_back(std::move(call));
    }
    return Status::Ok();
  }

  const OllamaCodec& codec_;
  std::string text_;
  std::string thinking_;
  std::vector<ToolCall> calls_;
  std::string done_reason_;
  Usage usage_;
  std::string model_;
  bool done_ = false;
};

std::unique_ptr<StreamDecoder> OllamaCodec::NewStreamDecoder() const {
  return std::make_unique<OllamaStreamDecoder>(*this);
}

}  // namespace

int64_t OllamaContextSize(int64_t prompt_tokens, int64_t max_tokens, const ModelLimits& limits) {
  int64_t need = std::max<int64_t>(0, prompt_tokens) + std::max<int64_t>(0, max_tokens);
  int64_t size = kOllamaMinContext;
  while (size < need && size < (int64_t{1} << 40)) size *= 2;
  if (limits.context_window > 0) size = std::min(size, limits.context_window);
  return size;
}

std::unique_ptr<ProtocolCodec> NewOllamaCodec(ModelSpec spec, HttpTimeouts timeouts,
                                              ModelLimits limits) {
  return std::make_unique<OllamaCodec>(std::move(spec), timeouts, limits);
}

}  // namespace mh::llm
