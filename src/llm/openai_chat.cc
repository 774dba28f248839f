#include "llm/openai_chat.h"

#include <map>

#include "llm/provider_errors.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

std::string DataUrl(const ImageData& image) {
  return "data:" + image.media_type + ";base64," + image.base64_data;
}

// A string when the content is one text part, else an array of text and image parts.
Json EncodeUserContent(const std::vector<ContentPart>& parts) {
  if (parts.size() == 1 && parts[0].is_text()) return parts[0].text;
  Json content = Json::array();
  for (const ContentPart& part : parts) {
    if (part.is_text()) {
      content.push_back({{"type", "text"}, {"text", part.text}});
    } else {
      content.push_back({{"type", "image_url"}, {"image_url", {{"url", DataUrl(part.image)}}}});
    }
  }
  return content;
}

Json EncodeAssistant(const Message& message) {
  Json out = {{"role", "assistant"}};
  std::string text = message.Text();
  out["content"] = text.empty() && !message.tool_calls.empty() ? Json(nullptr) : Json(text);
  if (message.tool_calls.empty()) return out;
  Json calls = Json::array();
  for (const ToolCall& call : message.tool_calls) {
    // A call whose arguments did not parse goes back as {}: servers that re-parse
    // arguments (chat templates) reject malformed ones; the tool result explains.
    std::string arguments = call.arguments_ok() ? DumpJson(call.arguments) : "{}";
    calls.push_back({{"id", call.id},
                     {"type", "function"},
                     {"function", {{"name", call.name}, {"arguments", arguments}}}});
  }
  out["tool_calls"] = std::move(calls);
  // DeepSeek's thinking mode refuses a tool-call turn without its reasoning (HTTP 400);
  // servers that sent reasoning under another field get it back under that field.
  std::string field;
  std::string reasoning;
  for (const Reasoning& r : message.reasoning) {
    if (r.origin != "reasoning_content" && r.origin != "reasoning") continue;
    if (field.empty()) field = r.origin;
    reasoning += r.text;
  }
  if (!field.empty()) out[field] = std::move(reasoning);
  return out;
}

// The reasoning a message or a delta carries: DeepSeek, xAI, vLLM and llama.cpp name it
// reasoning_content; OpenRouter, Groq and Ollama reasoning. Empty origin: none.
std::pair<std::string, std::string> ReasoningIn(const Json& message) {
  for (const char* field : {"reasoning_content", "reasoning"}) {
    if (const Json* value = JsonField(message, field); value && value->is_string()) {
      return {field, value->get<std::string>()};
    }
  }
  return {"", ""};
}

// Appends tool results starting at `i`; returns the index after the run. Chat Completions
// tool messages take only text on many servers (vLLM, llama.cpp, Ollama), so images that
// tools return go into one user message right after the run of tool messages (a user
// message between two tool messages would break the assistant/tool pairing).
Result<size_t> EncodeToolRun(const std::vector<Message>& messages, size_t i, Json& out) {
  Json images = Json::array();
  for (; i < messages.size() && messages[i].role == Role::kTool; ++i) {
    const Message& m = messages[i];
    if (m.tool_call_id.empty()) {
      return InvalidArgumentError("tool result message " + std::to_string(i) +
                                  " has no tool_call_id");
    }
    std::string text = m.Text();
    if (m.HasImages()) {
      if (text.empty()) text = "(the image is in the next message)";
      images.push_back(
          {{"type", "text"}, {"text", "Image from tool call " + m.tool_call_id + ":"}});
      for (const ContentPart& part : m.parts) {
        if (!part.is_image()) continue;
        images.push_back({{"type", "image_url"}, {"image_url", {{"url", DataUrl(part.image)}}}});
      }
    }
    out.push_back({{"role", "tool"}, {"tool_call_id", m.tool_call_id}, {"content", text}});
  }
  if (!images.empty()) out.push_back({{"role", "user"}, {"content", std::move(images)}});
  return i;
}

Result<Json> EncodeMessages(const ModelRequest& request) {
  Json out = Json::array();
  if (!request.system_prompt.empty()) {
    out.push_back({{"role", "system"}, {"content", request.system_prompt}});
  }
  const std::vector<Message>& messages = request.messages;
  for (size_t i = 0; i < messages.size();) {
    const Message& m = messages[i];
    switch (m.role) {
      case Role::kSystem:
        out.push_back({{"role", "system"}, {"content", m.Text()}});
        break;
      case Role::kUser:
        out.push_back({{"role", "user"}, {"content", EncodeUserContent(m.parts)}});
        break;
      case Role::kAssistant:
        out.push_back(EncodeAssistant(m));
        break;
      case Role::kTool: {
        ASSIGN_OR_RETURN(i, EncodeToolRun(messages, i, out));
        continue;
      }
    }
    ++i;
  }
  return out;
}

StopReason MapFinishReason(std::string_view reason, bool has_tool_calls) {
  StopReason out = StopReason::kOther;
  if (reason == "stop" || reason.empty()) out = StopReason::kEndTurn;
  if (reason == "tool_calls" || reason == "function_call") out = StopReason::kToolUse;
  if (reason == "length") out = StopReason::kMaxTokens;
  if (reason == "content_filter") out = StopReason::kContentFilter;
  // Some servers (older Ollama, some vLLM parsers) say "stop" after tool calls.
  if (has_tool_calls && out == StopReason::kEndTurn) out = StopReason::kToolUse;
  return out;
}

// xAI counts reasoning on top of completion_tokens; the rest inside (or say so by their
// total_tokens, which kAuto reads).
Usage DecodeUsage(const ModelSpec& spec, const Json& usage) {
  return UsageFromProviderJson(
      usage, spec.provider == "xai" ? ReasoningCount::kSeparate : ReasoningCount::kAuto);
}

// OpenRouter reports an upstream failure as "Provider returned error" with the reason in
// error.metadata.raw (a string, often JSON) and the upstream's name in provider_name.
std::string WithUpstreamReason(const Json& error, std::string message) {
  const Json* metadata = JsonField(error, "metadata");
  if (metadata == nullptr) return message;
  const Json* raw = JsonField(*metadata, "raw");
  if (raw == nullptr) return message;
  std::string reason = raw->is_string() ? raw->get<std::string>() : DumpJson(*raw);
  if (Result<Json> inner = ParseJson(reason); inner.ok() && inner->is_object()) {
    const Json* nested = JsonField(*inner, "error");
    const Json& holder = nested != nullptr && nested->is_object() ? *nested : *inner;
    if (std::string m = JsonString(holder, "message"); !m.empty()) reason = m;
  }
  std::string provider = JsonString(*metadata, "provider_name");
  return message + " (" + (provider.empty() ? "upstream" : provider) + ": " + reason + ")";
}

std::optional<ProviderError> ErrorIn(const Json& body) {
  const Json* error = JsonField(body, "error");
  if (error != nullptr && error->is_object()) {
    std::string type = JsonString(*error, "type");
    if (type.empty()) type = JsonString(*error, "code");
    return ProviderError{type, WithUpstreamReason(*error, JsonString(*error, "message"))};
  }
  if (error != nullptr && error->is_string()) return ProviderError{"", error->get<std::string>()};
  // vLLM: {"object": "error", "message": ..., "type": ...}.
  if (JsonString(body, "object") == "error") {
    return ProviderError{JsonString(body, "type"), JsonString(body, "message")};
  }
  return std::nullopt;
}

// Message content may be a string or (some servers) an array of text parts.
std::string ContentText(const Json* content) {
  if (content == nullptr) return "";
  if (content->is_string()) return content->get<std::string>();
  std::string out;
  if (content->is_array()) {
    for (const Json& part : *content) out += JsonString(part, "text");
  }
  return out;
}

class ChatStreamDecoder;

class OpenAiChatCodec final : public ProtocolCodec {
 public:
  OpenAiChatCodec(ModelSpec spec, HttpTimeouts timeouts)
      : spec_(std::move(spec)), url_(spec_.base_url + "/chat/completions"), timeouts_(timeouts) {}

  Result<HttpRequest> Encode(const ModelRequest& request) const override;
  Result<ModelResponse> DecodeBody(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;
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
};

Result<HttpRequest> OpenAiChatCodec::Encode(const ModelRequest& request) const {
  ASSIGN_OR_RETURN(Json messages, EncodeMessages(request));
  Json body = {{"model", spec_.model}, {"messages", std::move(messages)}};
  body[spec_.use_max_completion_tokens ? "max_completion_tokens" : "max_tokens"] =
      request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  body["stream"] = request.stream;
  if (request.stream) body["stream_options"] = {{"include_usage", true}};
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const ToolSpec& tool : request.tools) {
      tools.push_back({{"type", "function"},
                       {"function",
                        {{"name", tool.name},
                         {"description", tool.description},
                         {"parameters", tool.parameters}}}});
    }
    body["tools"] = std::move(tools);
  }
  return JsonPost(url_, timeouts_, request.stream ? "text/event-stream" : "application/json", body,
                  "Authorization", spec_.api_key);
}

Result<ModelResponse> OpenAiChatCodec::DecodeBody(std::string_view body) const {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return BadJsonStatus(spec_, url_, body, parsed.error());
  const Json& root = *parsed;
  if (std::optional<ProviderError> error = ErrorIn(root)) return StreamErrorStatus(spec_, *error);
  const Json* choices = JsonField(root, "choices");
  if (choices == nullptr || !choices->is_array() || choices->empty()) {
    return NotProtocolStatus(spec_, "no choices in the reply");
  }
  const Json* message = JsonField((*choices)[0], "message");
  if (message == nullptr) return NotProtocolStatus(spec_, "no message in the first choice");
  ModelResponse response;
  response.message.role = Role::kAssistant;
  std::string text = ContentText(JsonField(*message, "content"));
  if (!text.empty()) response.message.parts.push_back(ContentPart::Text(std::move(text)));
  if (auto [origin, reasoning] = ReasoningIn(*message); !reasoning.empty()) {
    response.message.reasoning.push_back({.origin = origin, .text = std::move(reasoning)});
  }
  if (const Json* calls = JsonField(*message, "tool_calls"); calls && calls->is_array()) {
    for (const Json& item : *calls) {
      ToolCall call;
      call.id = JsonString(item, "id");
      const Json* function = JsonField(item, "function");
      if (function == nullptr) return NotProtocolStatus(spec_, "tool call without a function");
      call.name = JsonString(*function, "name");
      if (call.name.empty()) return NotProtocolStatus(spec_, "tool call without a name");
      const Json* arguments = JsonField(*function, "arguments");
      // Arguments are a JSON string by the protocol; a few servers send an object.
      call.raw_arguments = arguments == nullptr     ? ""
                           : arguments->is_string() ? arguments->get<std::string>()
                                                    : DumpJson(*arguments);
      if (call.id.empty()) call.id = "call_" + std::to_string(response.message.tool_calls.size());
      ParseToolArguments(call);
      response.message.tool_calls.push_back(std::move(call));
    }
  }
  response.stop_reason = MapFinishReason(JsonString((*choices)[0], "finish_reason"),
                                         !response.message.tool_calls.empty());
  if (const Json* usage = JsonField(root, "usage")) response.usage = DecodeUsage(spec_, *usage);
  response.model = JsonString(root, "model");
  if (response.model.empty()) response.model = spec_.model;
  return response;
}

// One tool call being assembled from stream fragments.
struct PendingCall {
  ToolCall call;
  bool announced = false;
};

class ChatStreamDecoder final : public StreamDecoder {
 public:
  explicit ChatStreamDecoder(const OpenAiChatCodec& codec) : codec_(codec) {}

  Status OnEvent(const SseEvent& event, CompletionObserver& observer) override {
    if (event.data == "[DONE]") {
      done_ = true;
      return Status::Ok();
    }
    if (event.data.empty()) return Status::Ok();
    Result<Json> parsed = ParseJson(event.data);
    if (!parsed.ok()) {
      return BadJsonStatus(codec_.spec(), codec_.url(), event.data, parsed.error());
    }
    const Json& chunk = *parsed;
    if (std::optional<ProviderError> error = ErrorIn(chunk)) {
      return StreamErrorStatus(codec_.spec(), *error);
    }
    if (model_.empty()) model_ = JsonString(chunk, "model");
    if (const Json* usage = JsonField(chunk, "usage"); usage && usage->is_object()) {
      usage_ = DecodeUsage(codec_.spec(), *usage);
    }
    const Json* choices = JsonField(chunk, "choices");
    if (choices == nullptr || !choices->is_array() || choices->empty()) return Status::Ok();
    const Json& choice = (*choices)[0];
    if (const Json* delta = JsonField(choice, "delta")) RETURN_IF_ERROR(OnDelta(*delta, observer));
    std::string finish = JsonString(choice, "finish_reason");
    if (!finish.empty()) finish_reason_ = finish;
    return Status::Ok();
  }

  StreamState state() const override {
    if (done_) return StreamState::kTerminated;
    return finish_reason_ ? StreamState::kFinishing : StreamState::kOpen;
  }

  Result<ModelResponse> TakeResponse() override {
    ModelResponse response;
    response.message.role = Role::kAssistant;
    if (!text_.empty()) response.message.parts.push_back(ContentPart::Text(std::move(text_)));
    if (!reasoning_.empty()) {
      response.message.reasoning.push_back(
          {.origin = reasoning_origin_, .text = std::move(reasoning_)});
    }
    for (auto& [index, pending] : calls_) {
      if (pending.call.name.empty()) {
        return NotProtocolStatus(codec_.spec(),
                                 "streamed tool call " + std::to_string(index) + " has no name");
      }
      if (pending.call.id.empty()) pending.call.id = "call_" + std::to_string(index);
      ParseToolArguments(pending.call);
      response.message.tool_calls.push_back(std::move(pending.call));
    }
    response.stop_reason =
        MapFinishReason(finish_reason_.value_or(""), !response.message.tool_calls.empty());
    response.usage = usage_;
    response.model = model_.empty() ? codec_.spec().model : model_;
    return response;
  }

 private:
  Status OnDelta(const Json& delta, CompletionObserver& observer) {
    if (auto [origin, reasoning] = ReasoningIn(delta); !reasoning.empty()) {
      if (reasoning_origin_.empty()) reasoning_origin_ = origin;
      reasoning_ += reasoning;
      observer.OnReasoningDelta(reasoning);
    }
    std::string text = ContentText(JsonField(delta, "content"));
    if (!text.empty()) {
      text_ += text;
      observer.OnTextDelta(text);
    }
    const Json* calls = JsonField(delta, "tool_calls");
    if (calls == nullptr || !calls->is_array()) return Status::Ok();
    for (size_t i = 0; i < calls->size(); ++i) {
      const Json& fragment = (*calls)[i];
      const Json* index = JsonField(fragment, "index");
      int64_t key = index != nullptr && index->is_number_integer() ? index->get<int64_t>()
                                                                   : static_cast<int64_t>(i);
      PendingCall& pending = calls_[key];
      if (std::string id = JsonString(fragment, "id"); !id.empty()) pending.call.id = id;
      if (const Json* function = JsonField(fragment, "function")) {
        std::string name = JsonString(*function, "name");
        if (!name.empty() && pending.call.name.empty()) pending.call.name = name;
        pending.call.raw_arguments += JsonString(*function, "arguments");
      }
      if (!pending.announced && !pending.call.name.empty()) {
        pending.announced = true;
        observer.OnToolCallStarted(pending.call);
      }
    }
    return Status::Ok();
  }

  const OpenAiChatCodec& codec_;
  std::string text_;
  std::string reasoning_;
  std::string reasoning_origin_;
  std::map<int64_t, PendingCall> calls_;  // By the protocol's tool call index.
  std::optional<std::string> finish_reason_;
  Usage usage_;
  std::string model_;
  bool done_ = false;
};

std::unique_ptr<StreamDecoder> OpenAiChatCodec::NewStreamDecoder() const {
  return std::make_unique<ChatStreamDecoder>(*this);
}

}  // namespace

std::unique_ptr<ProtocolCodec> NewOpenAiChatCodec(ModelSpec spec, HttpTimeouts timeouts) {
  return std::make_unique<OpenAiChatCodec>(std::move(spec), timeouts);
}

}  // namespace mh::llm
