#include "llm/openai_responses.h"

#include <map>

#include "llm/provider_errors.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

std::string DataUrl(const ImageData& image) {
  return "data:" + image.media_type + ";base64," + image.base64_data;
}

// input_text and input_image parts; empty text is left out.
Json InputContent(const std::vector<ContentPart>& parts) {
  Json content = Json::array();
  for (const ContentPart& part : parts) {
    if (part.is_image()) {
      content.push_back({{"type", "input_image"}, {"image_url", DataUrl(part.image)}});
    } else if (!part.text.empty()) {
      content.push_back({{"type", "input_text"}, {"text", part.text}});
    }
  }
  return content;
}

Json MessageItem(std::string_view role, Json content) {
  return {{"type", "message"}, {"role", role}, {"content", std::move(content)}};
}

// A reasoning item as it came, so that a stateless request (store: false) lets the model
// pick up its reasoning where it left off.
Json ReasoningItem(const Reasoning& r) {
  Json summary = Json::array();
  for (const std::string& part : r.summary) {
    summary.push_back({{"type", "summary_text"}, {"text", part}});
  }
  Json item = {{"type", "reasoning"}};
  if (!r.id.empty()) item["id"] = r.id;
  item["summary"] = std::move(summary);
  item["encrypted_content"] = r.encrypted;
  return item;
}

// Reasoning first (it led to the calls), then the text, then the calls. Reasoning without
// encrypted content stays out: with store false the server cannot resolve its id and
// refuses the request ("Item with id 'rs_...' not found").
void AppendAssistant(const Message& message, Json& input) {
  for (const Reasoning& r : message.reasoning) {
    if (r.origin == kResponsesReasoningOrigin && !r.encrypted.empty()) {
      input.push_back(ReasoningItem(r));
    }
  }
  std::string text = message.Text();
  if (!text.empty()) {
    input.push_back(
        MessageItem("assistant", Json::array({{{"type", "output_text"}, {"text", text}}})));
  }
  for (const ToolCall& call : message.tool_calls) {
    // A call whose arguments did not parse goes back as {}; the tool result explains.
    input.push_back({{"type", "function_call"},
                     {"call_id", call.id},
                     {"name", call.name},
                     {"arguments", call.arguments_ok() ? DumpJson(call.arguments) : "{}"}});
  }
}

Result<Json> EncodeInput(const std::vector<Message>& messages) {
  Json input = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    switch (m.role) {
      case Role::kSystem:
        input.push_back(MessageItem("system", m.Text()));
        break;
      case Role::kUser: {
        Json content = InputContent(m.parts);
        if (!content.empty()) input.push_back(MessageItem("user", std::move(content)));
        break;
      }
      case Role::kAssistant:
        AppendAssistant(m, input);
        break;
      case Role::kTool: {
        if (m.tool_call_id.empty()) {
          return InvalidArgumentError("tool result message " + std::to_string(i) +
                                      " has no tool_call_id");
        }
        // A string when the result is text only; images go as input parts.
        Json output = m.HasImages() ? InputContent(m.parts) : Json(m.Text());
        input.push_back({{"type", "function_call_output"},
                         {"call_id", m.tool_call_id},
                         {"output", std::move(output)}});
        break;
      }
    }
  }
  return input;
}

// The error in a body, a response object or an `error` event: {"error": {type|code,
// message}}, or the event's own code and message.
std::optional<ProviderError> ErrorIn(const Json& body) {
  const Json* error = JsonField(body, "error");
  if (error != nullptr && error->is_string()) return ProviderError{"", error->get<std::string>()};
  if (error == nullptr || !error->is_object()) return std::nullopt;
  std::string type = JsonString(*error, "type");
  if (type.empty()) type = JsonString(*error, "code");
  return ProviderError{type, JsonString(*error, "message")};
}

Reasoning ReasoningFrom(const Json& item) {
  Reasoning r{.origin = std::string(kResponsesReasoningOrigin)};
  r.id = JsonString(item, "id");
  r.encrypted = JsonString(item, "encrypted_content");
  if (const Json* summary = JsonField(item, "summary"); summary && summary->is_array()) {
    for (const Json& part : *summary) r.summary.push_back(JsonString(part, "text"));
  }
  for (const std::string& part : r.summary) {
    if (part.empty()) continue;
    r.text += (r.text.empty() ? "" : "\n\n") + part;
  }
  // Open-weight models on compatible servers send their raw reasoning as reasoning_text.
  if (const Json* content = JsonField(item, "content"); content && content->is_array()) {
    std::string raw;
    for (const Json& part : *content) raw += JsonString(part, "text");
    if (r.text.empty()) r.text = std::move(raw);
  }
  return r;
}

// Output items into `response`; `refused` is set when a message part was a refusal.
Status DecodeOutput(const ModelSpec& spec, const Json& output, ModelResponse& response,
                    bool& refused) {
  for (const Json& item : output) {
    std::string type = JsonString(item, "type");
    if (type == "message") {
      std::string text;
      if (const Json* content = JsonField(item, "content"); content && content->is_array()) {
        for (const Json& part : *content) {
          std::string part_type = JsonString(part, "type");
          if (part_type == "output_text") text += JsonString(part, "text");
          if (part_type == "refusal") {
            text += JsonString(part, "refusal");
            refused = true;
          }
        }
      }
      if (!text.empty()) response.message.parts.push_back(ContentPart::Text(std::move(text)));
    } else if (type == "function_call") {
      ToolCall call;
      call.id = JsonString(item, "call_id");
      if (call.id.empty()) call.id = JsonString(item, "id");
      call.name = JsonString(item, "name");
      if (call.name.empty()) return NotProtocolStatus(spec, "function_call item without a name");
      const Json* arguments = JsonField(item, "arguments");
      call.raw_arguments = arguments == nullptr     ? ""
                           : arguments->is_string() ? arguments->get<std::string>()
                                                    : DumpJson(*arguments);
      ParseToolArguments(call);
      response.message.tool_calls.push_back(std::move(call));
    } else if (type == "reasoning") {
      response.message.reasoning.push_back(ReasoningFrom(item));
    }
  }
  return Status::Ok();
}

StopReason StopReasonOf(const Json& response, bool has_calls, bool refused) {
  if (JsonString(response, "status") == "incomplete") {
    std::string reason;
    if (const Json* details = JsonField(response, "incomplete_details")) {
      reason = JsonString(*details, "reason");
    }
    if (reason == "max_output_tokens") return StopReason::kMaxTokens;
    if (reason == "content_filter") return StopReason::kContentFilter;
    return StopReason::kOther;
  }
  if (refused) return StopReason::kContentFilter;
  return has_calls ? StopReason::kToolUse : StopReason::kEndTurn;
}

// A response object (a whole body, or the one response.completed carries) as a reply.
Result<ModelResponse> DecodeResponse(const ModelSpec& spec, const Json& root) {
  std::optional<ProviderError> error = ErrorIn(root);
  if (!error && JsonString(root, "status") == "failed") {
    error = ProviderError{"failed", "the response failed"};
  }
  if (error) return StreamErrorStatus(spec, *error);
  const Json* output = JsonField(root, "output");
  if (output == nullptr || !output->is_array()) {
    return NotProtocolStatus(spec, "no output array in the reply");
  }
  ModelResponse response;
  response.message.role = Role::kAssistant;
  bool refused = false;
  RETURN_IF_ERROR(DecodeOutput(spec, *output, response, refused));
  response.stop_reason = StopReasonOf(root, !response.message.tool_calls.empty(), refused);
  if (const Json* usage = JsonField(root, "usage")) response.usage = UsageFromProviderJson(*usage);
  response.model = JsonString(root, "model");
  if (response.model.empty()) response.model = spec.model;
  return response;
}

class OpenAiResponsesCodec final : public ProtocolCodec {
 public:
  OpenAiResponsesCodec(ModelSpec spec, HttpTimeouts timeouts)
      : spec_(std::move(spec)), url_(spec_.base_url + "/responses"), timeouts_(timeouts) {}

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

Result<HttpRequest> OpenAiResponsesCodec::Encode(const ModelRequest& request) const {
  ASSIGN_OR_RETURN(Json input, EncodeInput(request.messages));
  Json body = {{"model", spec_.model}};
  if (!request.system_prompt.empty()) body["instructions"] = request.system_prompt;
  body["input"] = std::move(input);
  body["max_output_tokens"] = request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  body["stream"] = request.stream;
  // Stateless: nothing kept on the server; reasoning comes back encrypted to be resent.
  body["store"] = false;
  body["include"] = Json::array({"reasoning.encrypted_content"});
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const ToolSpec& tool : request.tools) {
      // strict defaults to true here, which refuses ordinary schemas (optional
      // properties, no additionalProperties:false): tools are sent as Chat sends them.
      tools.push_back({{"type", "function"},
                       {"name", tool.name},
                       {"description", tool.description},
                       {"parameters", tool.parameters},
                       {"strict", false}});
    }
    body["tools"] = std::move(tools);
  }
  return JsonPost(url_, timeouts_, request.stream ? "text/event-stream" : "application/json", body,
                  "Authorization", spec_.api_key);
}

Result<ModelResponse> OpenAiResponsesCodec::DecodeBody(std::string_view body) const {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return BadJsonStatus(spec_, url_, body, parsed.error());
  return DecodeResponse(spec_, *parsed);
}

// One output item being assembled from stream events.
struct StreamItem {
  Json item;  // From response.output_item.added; replaced by .done (the whole item).
  bool done = false;
  std::string text;                  // output_text deltas (message).
  std::string arguments;             // function_call.
  std::vector<std::string> summary;  // reasoning summary parts.
  std::string reasoning_text;        // reasoning content (compatible servers).
};

class ResponsesStreamDecoder final : public StreamDecoder {
 public:
  explicit ResponsesStreamDecoder(const OpenAiResponsesCodec& codec) : codec_(codec) {}

  Status OnEvent(const SseEvent& event, CompletionObserver& observer) override {
    if (event.data.empty() || event.data == "[DONE]") return Status::Ok();
    Result<Json> parsed = ParseJson(event.data);
    if (!parsed.ok()) {
      return BadJsonStatus(codec_.spec(), codec_.url(), event.data, parsed.error());
    }
    const Json& data = *parsed;
    std::string type = JsonString(data, "type");
    if (type.empty()) type = event.event;
    if (type == "error") {
      ProviderError error = ErrorIn(data).value_or(
          ProviderError{JsonString(data, "code"), JsonString(data, "message")});
      if (error.message.empty()) error.message = "stream error";
      return StreamErrorStatus(codec_.spec(), error);
    }
    const Json* response = JsonField(data, "response");
    if (type == "response.failed") {
      std::optional<ProviderError> error = response ? ErrorIn(*response) : std::nullopt;
      return StreamErrorStatus(codec_.spec(),
                               error.value_or(ProviderError{"failed", "the response failed"}));
    }
    if (type == "response.completed" || type == "response.incomplete") {
      if (response == nullptr) return NotProtocolStatus(codec_.spec(), type + " without response");
      final_ = *response;
      return Status::Ok();
    }
    if (type == "response.created" || type == "response.in_progress") {
      if (response != nullptr && model_.empty()) model_ = JsonString(*response, "model");
      return Status::Ok();
    }
    if (type == "response.output_item.added" || type == "response.output_item.done") {
      return OnItem(data, type.ends_with(".done"), observer);
    }
    return OnDelta(type, data, observer);
  }

  StreamState state() const override {
    return final_ ? StreamState::kTerminated : StreamState::kOpen;
  }

  Result<ModelResponse> TakeResponse() override {
    Json root = final_.value_or(Json::object());
    // The items as streamed (what the observer heard); the final response's output only
    // when nothing was (some servers stream items, others only the end).
    if (!items_.empty() || !JsonField(root, "output")) {
      Json output = Json::array();
      for (auto& [index, item] : items_) output.push_back(Assemble(item));
      root["output"] = std::move(output);
    }
    if (JsonString(root, "model").empty()) root["model"] = model_;
    return DecodeResponse(codec_.spec(), root);
  }

 private:
  Status OnItem(const Json& data, bool done, CompletionObserver& observer) {
    const Json* item = JsonField(data, "item");
    if (item == nullptr || !item->is_object()) {
      return NotProtocolStatus(codec_.spec(), "output item event without an item");
    }
    StreamItem& s = items_[JsonInt(data, "output_index")];
    bool announce = !done && s.item.is_null() && JsonString(*item, "type") == "function_call";
    s.item = *item;
    s.done = s.done || done;
    if (announce) {
      ToolCall call;
      call.id = JsonString(*item, "call_id");
      call.name = JsonString(*item, "name");
      if (call.name.empty()) {
        return NotProtocolStatus(codec_.spec(), "function_call item without a name");
      }
      observer.OnToolCallStarted(call);
    }
    return Status::Ok();
  }

  Status OnDelta(const std::string& type, const Json& data, CompletionObserver& observer) {
    if (!type.starts_with("response.output_text.") &&
        !type.starts_with("response.function_call_arguments.") &&
        !type.starts_with("response.reasoning_")) {
      return Status::Ok();  // Content parts, annotations, unknown events: nothing we need.
    }
    StreamItem& s = items_[JsonInt(data, "output_index")];
    std::string delta = JsonString(data, "delta");
    if (type == "response.output_text.delta") {
      s.text += delta;
      if (!delta.empty()) observer.OnTextDelta(delta);
    } else if (type == "response.function_call_arguments.delta") {
      s.arguments += delta;
    } else if (type == "response.function_call_arguments.done") {
      if (const Json* a = JsonField(data, "arguments"); a && a->is_string()) {
        s.arguments = a->get<std::string>();
      }
    } else if (type == "response.reasoning_summary_text.delta") {
      int64_t part = JsonInt(data, "summary_index");
      if (part < 0 || part > 1024) return NotProtocolStatus(codec_.spec(), "bad summary_index");
      if (s.summary.size() <= static_cast<size_t>(part)) s.summary.resize(part + 1);
      bool first = s.summary[part].empty();
      s.summary[part] += delta;
      HearReasoning(delta, first, observer);
    } else if (type == "response.reasoning_text.delta") {
      bool first = s.reasoning_text.empty();
      s.reasoning_text += delta;
      HearReasoning(delta, first, observer);
    }
    return Status::Ok();
  }

  // Parts of reasoning are heard apart by a blank line, as Message::ReasoningText joins them.
  void HearReasoning(const std::string& delta, bool first_of_part, CompletionObserver& observer) {
    if (delta.empty()) return;
    if (first_of_part && heard_reasoning_) observer.OnReasoningDelta("\n\n");
    heard_reasoning_ = true;
    observer.OnReasoningDelta(delta);
  }

  // The item as done, or as far as its deltas got when its done event never came.
  static Json Assemble(const StreamItem& s) {
    Json item = s.item.is_object() ? s.item : Json::object();
    std::string type = JsonString(item, "type");
    if (type.empty() && !s.text.empty()) {
      type = "message";
      item["type"] = type;
    }
    if (type == "message" && (!s.done || !JsonField(item, "content"))) {
      item["content"] = Json::array({{{"type", "output_text"}, {"text", s.text}}});
    } else if (type == "function_call" && JsonString(item, "arguments").empty()) {
      item["arguments"] = s.arguments;
    } else if (type == "reasoning" && !s.done) {
      Json summary = Json::array();
      for (const std::string& part : s.summary) {
        summary.push_back({{"type", "summary_text"}, {"text", part}});
      }
      item["summary"] = std::move(summary);
      if (!s.reasoning_text.empty()) {
        item["content"] = Json::array({{{"type", "reasoning_text"}, {"text", s.reasoning_text}}});
      }
    }
    return item;
  }

  const OpenAiResponsesCodec& codec_;
  std::map<int64_t, StreamItem> items_;  // By output_index.
  std::optional<Json> final_;            // The response of response.completed/.incomplete.
  std::string model_;
  bool heard_reasoning_ = false;
};

std::unique_ptr<StreamDecoder> OpenAiResponsesCodec::NewStreamDecoder() const {
  return std::make_unique<ResponsesStreamDecoder>(*this);
}

}  // namespace

std::unique_ptr<ProtocolCodec> NewOpenAiResponsesCodec(ModelSpec spec, HttpTimeouts timeouts) {
  return std::make_unique<OpenAiResponsesCodec>(std::move(spec), timeouts);
}

}  // namespace mh::llm
