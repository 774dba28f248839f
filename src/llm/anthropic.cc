#include "llm/anthropic.h"

#include <map>

#include "llm/provider_errors.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

Json ImageBlock(const ImageData& image) {
  return {{"type", "image"},
          {"source",
           {{"type", "base64"}, {"media_type", image.media_type}, {"data", image.base64_data}}}};
}

// Text and image blocks; empty text is left out (the API refuses empty text blocks).
Json ContentBlocks(const std::vector<ContentPart>& parts) {
  Json blocks = Json::array();
  for (const ContentPart& part : parts) {
    if (part.is_image()) {
      blocks.push_back(ImageBlock(part.image));
    } else if (!part.text.empty()) {
      blocks.push_back({{"type", "text"}, {"text", part.text}});
    }
  }
  return blocks;
}

// Thinking blocks go back first and unchanged (signatures verbatim): with extended
// thinking the API refuses a tool_use turn whose thinking is missing or altered.
void AppendThinking(const Message& message, Json& blocks) {
  for (const Reasoning& r : message.reasoning) {
    if (r.origin != "anthropic") continue;
    if (!r.redacted.empty()) {
      blocks.push_back({{"type", "redacted_thinking"}, {"data", r.redacted}});
    } else {
      blocks.push_back({{"type", "thinking"}, {"thinking", r.text}, {"signature", r.signature}});
    }
  }
}

Json AssistantBlocks(const Message& message) {
  Json blocks = Json::array();
  AppendThinking(message, blocks);
  std::string text = message.Text();
  if (!text.empty()) blocks.push_back({{"type", "text"}, {"text", text}});
  for (const ToolCall& call : message.tool_calls) {
    // A call whose arguments did not parse goes back as {}: `input` must be an object.
    blocks.push_back({{"type", "tool_use"},
                      {"id", call.id},
                      {"name", call.name},
                      {"input", call.arguments_ok() ? call.arguments : Json::object()}});
  }
  return blocks;
}

Json ToolResultBlock(const Message& message) {
  Json block = {{"type", "tool_result"},
                {"tool_use_id", message.tool_call_id},
                {"content", ContentBlocks(message.parts)}};
  if (message.is_error) block["is_error"] = true;
  return block;
}

// Messages alternate user/assistant; tool results travel in user messages. Consecutive
// messages of one side are merged into one, tool results first as the API wants them
// right after the assistant's tool_use blocks.
Result<Json> EncodeMessages(const std::vector<Message>& messages, std::string& system) {
  Json out = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (m.role == Role::kSystem) {
      system += (system.empty() ? "" : "\n\n") + m.Text();
      continue;
    }
    if (m.role == Role::kTool && m.tool_call_id.empty()) {
      return InvalidArgumentError("tool result message " + std::to_string(i) +
                                  " has no tool_call_id");
    }
    std::string role = m.role == Role::kAssistant ? "assistant" : "user";
    Json blocks = m.role == Role::kAssistant ? AssistantBlocks(m)
                  : m.role == Role::kTool    ? Json::array({ToolResultBlock(m)})
                                             : ContentBlocks(m.parts);
    if (blocks.empty()) continue;
    if (!out.empty() && out.back()["role"] == role) {
      for (Json& block : blocks) out.back()["content"].push_back(std::move(block));
    } else {
      out.push_back({{"role", role}, {"content", std::move(blocks)}});
    }
  }
  return out;
}

StopReason MapStopReason(std::string_view reason) {
  if (reason == "end_turn" || reason.empty()) return StopReason::kEndTurn;
  if (reason == "tool_use") return StopReason::kToolUse;
  if (reason == "max_tokens") return StopReason::kMaxTokens;
  if (reason == "stop_sequence") return StopReason::kStopSequence;
  if (reason == "refusal") return StopReason::kContentFilter;
  return StopReason::kOther;
}

// Stream events carry parts of the usage (message_start the input, message_delta the
// output): later fields replace earlier ones.
void MergeUsage(const Json& usage, Json& into) {
  if (!usage.is_object()) return;
  for (const auto& [key, value] : usage.items()) {
    if (!value.is_null()) into[key] = value;
  }
}

// A thinking or redacted_thinking block as native reasoning.
Reasoning ReasoningFrom(const Json& block) {
  Reasoning r{.origin = "anthropic"};
  r.text = JsonString(block, "thinking");
  r.signature = JsonString(block, "signature");
  r.redacted = JsonString(block, "data");
  return r;
}

bool IsThinking(std::string_view type) { return type == "thinking" || type == "redacted_thinking"; }

std::optional<ProviderError> ErrorIn(const Json& body) {
  const Json* error = JsonField(body, "error");
  if (error == nullptr) return std::nullopt;
  if (error->is_string()) return ProviderError{"", error->get<std::string>()};
  return ProviderError{JsonString(*error, "type"), JsonString(*error, "message")};
}

ToolCall ToolCallFrom(const Json& block, std::string raw_arguments) {
  ToolCall call;
  call.id = JsonString(block, "id");
  call.name = JsonString(block, "name");
  call.raw_arguments = std::move(raw_arguments);
  ParseToolArguments(call);
  return call;
}

class AnthropicCodec final : public ProtocolCodec {
 public:
  AnthropicCodec(ModelSpec spec, HttpTimeouts timeouts)
      : spec_(std::move(spec)), timeouts_(timeouts) {
    std::string_view base = spec_.base_url;
    bool has_v1 = base.size() >= 3 && base.substr(base.size() - 3) == "/v1";
    url_ = spec_.base_url + (has_v1 ? "/messages" : "/v1/messages");
  }

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

Result<HttpRequest> AnthropicCodec::Encode(const ModelRequest& request) const {
  std::string system = request.system_prompt;
  ASSIGN_OR_RETURN(Json messages, EncodeMessages(request.messages, system));
  Json body = {{"model", spec_.model}, {"max_tokens", request.max_tokens}};
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.stream) body["stream"] = true;
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const ToolSpec& tool : request.tools) {
      tools.push_back({{"name", tool.name},
                       {"description", tool.description},
                       {"input_schema", tool.parameters}});
    }
    body["tools"] = std::move(tools);
  }
  HttpRequest http;
  http.url = url_;
  http.timeouts = timeouts_;
  http.headers.push_back({"content-type", "application/json"});
  http.headers.push_back({"accept", request.stream ? "text/event-stream" : "application/json"});
  http.headers.push_back({"anthropic-version", std::string(kAnthropicVersion)});
  if (!spec_.api_key.empty()) http.headers.push_back({"x-api-key", spec_.api_key});
  http.body = DumpJson(body);
  return http;
}

Result<ModelResponse> AnthropicCodec::DecodeBody(std::string_view body) const {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return BadJsonStatus(spec_, url_, body, parsed.error());
  const Json& root = *parsed;
  if (std::optional<ProviderError> error = ErrorIn(root)) return StreamErrorStatus(spec_, *error);
  const Json* content = JsonField(root, "content");
  if (content == nullptr || !content->is_array()) {
    return NotProtocolStatus(spec_, "no content array in the reply");
  }
  ModelResponse response;
  response.message.role = Role::kAssistant;
  for (const Json& block : *content) {
    std::string type = JsonString(block, "type");
    if (type == "text") {
      response.message.parts.push_back(ContentPart::Text(JsonString(block, "text")));
    } else if (type == "tool_use") {
      const Json* input = JsonField(block, "input");
      ToolCall call = ToolCallFrom(block, input != nullptr ? DumpJson(*input) : "");
      if (call.name.empty()) return NotProtocolStatus(spec_, "tool_use block without a name");
      response.message.tool_calls.push_back(std::move(call));
    } else if (IsThinking(type)) {
      response.message.reasoning.push_back(ReasoningFrom(block));
    }
  }
  response.stop_reason = MapStopReason(JsonString(root, "stop_reason"));
  if (const Json* usage = JsonField(root, "usage")) response.usage = UsageFromProviderJson(*usage);
  response.model = JsonString(root, "model");
  if (response.model.empty()) response.model = spec_.model;
  return response;
}

// One content block being assembled.
struct Block {
  std::string type;       // "text", "tool_use", "thinking", "redacted_thinking", or another kind.
  std::string text;       // text, or thinking.
  std::string signature;  // thinking.
  Json start;             // The content_block of content_block_start (tool_use: id, name, input).
  std::string json;       // input_json_delta fragments.
};

class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  explicit AnthropicStreamDecoder(const AnthropicCodec& codec) : codec_(codec) {}

  Status OnEvent(const SseEvent& event, CompletionObserver& observer) override {
    if (event.data.empty()) return Status::Ok();
    Result<Json> parsed = ParseJson(event.data);
    if (!parsed.ok()) {
      return BadJsonStatus(codec_.spec(), codec_.url(), event.data, parsed.error());
    }
    const Json& data = *parsed;
    std::string type = JsonString(data, "type");
    if (type.empty()) type = event.event;
    if (type == "error") {
      ProviderError error = ErrorIn(data).value_or(ProviderError{"error", "stream error"});
      return StreamErrorStatus(codec_.spec(), error);
    }
    if (type == "message_start") return OnMessageStart(data);
    if (type == "content_block_start") return OnBlockStart(data, observer);
    if (type == "content_block_delta") return OnBlockDelta(data, observer);
    if (type == "message_delta") {
      if (const Json* delta = JsonField(data, "delta")) {
        stop_reason_ = JsonString(*delta, "stop_reason");
      }
      if (const Json* usage = JsonField(data, "usage")) MergeUsage(*usage, usage_);
      return Status::Ok();
    }
    if (type == "message_stop") stopped_ = true;
    return Status::Ok();  // ping, content_block_stop and unknown events carry nothing we need.
  }

  StreamState state() const override {
    if (stopped_) return StreamState::kTerminated;
    return stop_reason_ ? StreamState::kFinishing : StreamState::kOpen;
  }

  Result<ModelResponse> TakeResponse() override {
    ModelResponse response;
    response.message.role = Role::kAssistant;
    for (auto& [index, block] : blocks_) {
      if (block.type == "text" && !block.text.empty()) {
        response.message.parts.push_back(ContentPart::Text(std::move(block.text)));
      } else if (IsThinking(block.type)) {
        Reasoning r = ReasoningFrom(block.start);
        r.text = std::move(block.text);
        if (!block.signature.empty()) r.signature = std::move(block.signature);
        response.message.reasoning.push_back(std::move(r));
      } else if (block.type == "tool_use") {
        std::string raw = block.json;
        if (raw.empty()) {
          const Json* input = JsonField(block.start, "input");
          raw = input != nullptr ? DumpJson(*input) : "";
        }
        response.message.tool_calls.push_back(ToolCallFrom(block.start, std::move(raw)));
      }
    }
    response.stop_reason = MapStopReason(stop_reason_.value_or(""));
    response.usage = UsageFromProviderJson(usage_);
    response.model = model_.empty() ? codec_.spec().model : model_;
    return response;
  }

 private:
  Status OnMessageStart(const Json& data) {
    const Json* message = JsonField(data, "message");
    if (message == nullptr)
      return NotProtocolStatus(codec_.spec(), "message_start without message");
    model_ = JsonString(*message, "model");
    if (const Json* usage = JsonField(*message, "usage")) MergeUsage(*usage, usage_);
    return Status::Ok();
  }

  Status OnBlockStart(const Json& data, CompletionObserver& observer) {
    const Json* block = JsonField(data, "content_block");
    if (block == nullptr)
      return NotProtocolStatus(codec_.spec(), "content_block_start without block");
    Block& b = blocks_[JsonInt(data, "index")];
    b.type = JsonString(*block, "type");
    b.start = *block;
    if (b.type == "text") {
      b.text = JsonString(*block, "text");
      if (!b.text.empty()) observer.OnTextDelta(b.text);
    } else if (b.type == "thinking") {
      b.text = JsonString(*block, "thinking");
      if (!b.text.empty()) observer.OnReasoningDelta(b.text);
    } else if (b.type == "tool_use") {
      ToolCall call;
      call.id = JsonString(*block, "id");
      call.name = JsonString(*block, "name");
      if (call.name.empty())
        return NotProtocolStatus(codec_.spec(), "tool_use block without a name");
      observer.OnToolCallStarted(call);
    }
    return Status::Ok();
  }

  Status OnBlockDelta(const Json& data, CompletionObserver& observer) {
    auto it = blocks_.find(JsonInt(data, "index"));
    if (it == blocks_.end()) {
      return NotProtocolStatus(codec_.spec(), "content_block_delta for a block never started");
    }
    const Json* delta = JsonField(data, "delta");
    if (delta == nullptr) return Status::Ok();
    std::string type = JsonString(*delta, "type");
    if (type == "text_delta") {
      std::string text = JsonString(*delta, "text");
      it->second.text += text;
      if (!text.empty()) observer.OnTextDelta(text);
    } else if (type == "input_json_delta") {
      it->second.json += JsonString(*delta, "partial_json");
    } else if (type == "thinking_delta") {
      std::string thinking = JsonString(*delta, "thinking");
      it->second.text += thinking;
      if (!thinking.empty()) observer.OnReasoningDelta(thinking);
    } else if (type == "signature_delta") {
      it->second.signature += JsonString(*delta, "signature");
    }
    return Status::Ok();
  }

  const AnthropicCodec& codec_;
  std::map<int64_t, Block> blocks_;  // By content block index.
  std::optional<std::string> stop_reason_;
  Json usage_ = Json::object();  // The provider's usage fields, merged across events.
  std::string model_;
  bool stopped_ = false;
};

std::unique_ptr<StreamDecoder> AnthropicCodec::NewStreamDecoder() const {
  return std::make_unique<AnthropicStreamDecoder>(*this);
}

}  // namespace

std::unique_ptr<ProtocolCodec> NewAnthropicCodec(ModelSpec spec, HttpTimeouts timeouts) {
  return std::make_unique<AnthropicCodec>(std::move(spec), timeouts);
}

}  // namespace mh::llm
