#include "llm/gemini.h"

#include <map>

#include "llm/provider_errors.h"
#include "llm/usage.h"

namespace mh::llm {
namespace {

constexpr std::string_view kThought = "gemini";
constexpr std::string_view kPartSignature = "gemini-signature";

bool MadeUpId(std::string_view id) { return id.starts_with(kGeminiMadeUpIdPrefix); }

Json InlineData(const ImageData& image) {
  return {{"inlineData", {{"mimeType", image.media_type}, {"data", image.base64_data}}}};
}

// Text and image parts; empty text is left out (the API refuses a part with nothing).
Json UserParts(const std::vector<ContentPart>& parts) {
  Json out = Json::array();
  for (const ContentPart& part : parts) {
    if (part.is_image()) {
      out.push_back(InlineData(part.image));
    } else if (!part.text.empty()) {
      out.push_back({{"text", part.text}});
    }
  }
  return out;
}

// What a tool result needs of its call: Gemini matches results by name (and id, when the
// model gave the call one).
struct CallRef {
  std::string name;
  bool send_id = false;
};

// The signature that came on the part of `call_id` (empty: the text part).
std::string PartSignature(const Message& message, std::string_view call_id) {
  for (const Reasoning& r : message.reasoning) {
    if (r.origin == kPartSignature && r.tool_call_id == call_id) return r.signature;
  }
  return "";
}

// The model's parts as it sent them: thoughts first, then the text, then the calls, each
// with the thoughtSignature it came with (Gemini 3 refuses a function call turn whose
// signature is missing).
Json ModelParts(const Message& message, std::map<std::string, CallRef>& calls) {
  Json parts = Json::array();
  for (const Reasoning& r : message.reasoning) {
    if (r.origin != kThought || (r.text.empty() && r.signature.empty())) continue;
    Json part = {{"text", r.text}, {"thought", true}};
    if (!r.signature.empty()) part["thoughtSignature"] = r.signature;
    parts.push_back(std::move(part));
  }
  std::string text = message.Text();
  std::string text_signature = PartSignature(message, "");
  if (!text.empty() || !text_signature.empty()) {
    Json part = {{"text", text}};
    if (!text_signature.empty()) part["thoughtSignature"] = text_signature;
    parts.push_back(std::move(part));
  }
  for (const ToolCall& call : message.tool_calls) {
    // A call whose arguments did not parse goes back as {}: `args` must be an object.
    Json function = {{"name", call.name},
                     {"args", call.arguments_ok() ? call.arguments : Json::object()}};
    bool send_id = !call.id.empty() && !MadeUpId(call.id);
    if (send_id) function["id"] = call.id;
    Json part = {{"functionCall", std::move(function)}};
    if (std::string sig = PartSignature(message, call.id); !sig.empty()) {
      part["thoughtSignature"] = sig;
    }
    parts.push_back(std::move(part));
    calls[call.id] = CallRef{call.name, send_id};
  }
  return parts;
}

// A functionResponse, then any images the tool returned as inline data beside it.
Result<Json> ToolParts(const Message& message, size_t index,
                       const std::map<std::string, CallRef>& calls) {
  if (message.tool_call_id.empty()) {
    return InvalidArgumentError("tool result message " + std::to_string(index) +
                                " has no tool_call_id");
  }
  auto it = calls.find(message.tool_call_id);
  if (it == calls.end()) {
    return InvalidArgumentError("tool result message " + std::to_string(index) + " answers call '" +
                                message.tool_call_id +
                                "', which no earlier assistant turn made (Gemini needs its name)");
  }
  // The API reference's convention: "output" for a result, "error" for a failure.
  Json response = {{message.is_error ? "error" : "output", message.Text()}};
  Json function = {{"name", it->second.name}, {"response", std::move(response)}};
  if (it->second.send_id) function["id"] = message.tool_call_id;
  Json parts = Json::array({{{"functionResponse", std::move(function)}}});
  for (const ContentPart& part : message.parts) {
    if (part.is_image()) parts.push_back(InlineData(part.image));
  }
  return parts;
}

// Turns alternate user/model; consecutive messages of one side are merged into one turn
// (parallel calls' results go together, as the API wants them).
Result<Json> EncodeContents(const std::vector<Message>& messages, std::string& system) {
  Json out = Json::array();
  std::map<std::string, CallRef> calls;  // By tool call id; later turns win.
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    Json parts;
    switch (m.role) {
      case Role::kSystem:
        system += (system.empty() ? "" : "\n\n") + m.Text();
        continue;
      case Role::kUser:
        parts = UserParts(m.parts);
        break;
      case Role::kAssistant:
        parts = ModelParts(m, calls);
        break;
      case Role::kTool: {
        ASSIGN_OR_RETURN(parts, ToolParts(m, i, calls));
        break;
      }
    }
    if (parts.empty()) continue;
    std::string role = m.role == Role::kAssistant ? "model" : "user";
    if (!out.empty() && out.back()["role"] == role) {
      for (Json& part : parts) out.back()["parts"].push_back(std::move(part));
    } else {
      out.push_back({{"role", role}, {"parts", std::move(parts)}});
    }
  }
  return out;
}

Json FunctionDeclaration(const ToolSpec& tool) {
  Json declaration = {{"name", tool.name}, {"description", tool.description}};
  // An OBJECT without properties is refused ("should be non-empty for OBJECT type"): a tool
  // that takes nothing declares no parameters.
  Json parameters = GeminiSchema(tool.parameters);
  if (parameters.contains("properties")) declaration["parameters"] = std::move(parameters);
  return declaration;
}

StopReason MapFinishReason(std::string_view reason, bool has_tool_calls) {
  if (reason == "MAX_TOKENS") return StopReason::kMaxTokens;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "LANGUAGE") {
    return StopReason::kContentFilter;
  }
  if (reason == "STOP" || reason.empty() || reason == "FINISH_REASON_UNSPECIFIED") {
    return has_tool_calls ? StopReason::kToolUse : StopReason::kEndTurn;
  }
  return StopReason::kOther;  // MALFORMED_FUNCTION_CALL, TOO_MANY_TOOL_CALLS, OTHER, ...
}

std::optional<ProviderError> ErrorIn(const Json& body) {
  // streamGenerateContent without alt=sse answers a JSON array; its error comes first.
  const Json& holder = body.is_array() && !body.empty() ? body[0] : body;
  const Json* error = JsonField(holder, "error");
  if (error == nullptr) return std::nullopt;
  if (error->is_string()) return ProviderError{"", error->get<std::string>()};
  std::string status = JsonString(*error, "status");
  return ProviderError{status, JsonString(*error, "message")};
}

// A prompt the API refused to answer: promptFeedback.blockReason and no candidates.
Status BlockedStatus(const ModelSpec& spec, const Json& root) {
  const Json* feedback = JsonField(root, "promptFeedback");
  std::string reason = feedback != nullptr ? JsonString(*feedback, "blockReason") : "";
  if (reason.empty()) return NotProtocolStatus(spec, "no candidates in the reply");
  return InvalidArgumentError(spec.provider + ": the prompt was blocked (" + reason +
                              "); rephrase it or change the safety settings");
}

// The reply being assembled from a whole body or from stream chunks.
class Assembly {
 public:
  Assembly(const ModelSpec& spec, std::string made_up_prefix)
      : spec_(spec), made_up_prefix_(std::move(made_up_prefix)) {}

  // Takes the parts of candidates[0].content; tells `observer` (may be null) of text and
  // calls as they come.
  Status AddParts(const Json& parts, CompletionObserver* observer) {
    if (!parts.is_array()) return Status::Ok();
    for (const Json& part : parts) RETURN_IF_ERROR(AddPart(part, observer));
    return Status::Ok();
  }

  void SetIdPrefix(const std::string& response_id) {
    if (!response_id.empty() && made_up_prefix_.empty()) {
      made_up_prefix_ = std::string(kGeminiMadeUpIdPrefix) + response_id + "-";
    }
  }

  ModelResponse Take(std::string_view finish_reason, const Json& usage, std::string model) {
    ModelResponse response;
    response.message.role = Role::kAssistant;
    if (!text_.empty()) response.message.parts.push_back(ContentPart::Text(std::move(text_)));
    response.message.tool_calls = std::move(calls_);
    response.message.reasoning = std::move(reasoning_);
    if (!text_signature_.empty()) {
      response.message.reasoning.push_back(
          {.origin = std::string(kPartSignature), .signature = std::move(text_signature_)});
    }
    response.stop_reason = MapFinishReason(finish_reason, !response.message.tool_calls.empty());
    response.usage = UsageFromProviderJson(usage);
    response.model = model.empty() ? spec_.model : std::move(model);
    return response;
  }

 private:
  Status AddPart(const Json& part, CompletionObserver* observer) {
    std::string signature = JsonString(part, "thoughtSignature");
    if (const Json* call = JsonField(part, "functionCall"))
      return AddCall(*call, signature, observer);
    const Json* thought = JsonField(part, "thought");
    if (thought != nullptr && thought->is_boolean() && thought->get<bool>()) {
      AddThought(JsonString(part, "text"), signature, observer);
      return Status::Ok();
    }
    if (const Json* text = JsonField(part, "text"); text != nullptr && text->is_string()) {
      std::string piece = text->get<std::string>();
      text_ += piece;
      if (observer != nullptr && !piece.empty()) observer->OnTextDelta(piece);
      open_thought_ = false;
      if (!signature.empty()) text_signature_ = std::move(signature);
    }
    return Status::Ok();  // executableCode, inlineData and other parts carry no answer here.
  }

  // Thought text streams in pieces: pieces join one reasoning entry until a signature
  // closes it or an answer part comes between.
  void AddThought(std::string text, std::string signature, CompletionObserver* observer) {
    if (observer != nullptr && !text.empty()) observer->OnReasoningDelta(text);
    if (!open_thought_) {
      reasoning_.push_back({.origin = std::string(kThought)});
      open_thought_ = true;
    }
    reasoning_.back().text += text;
    if (!signature.empty()) {
      reasoning_.back().signature = std::move(signature);
      open_thought_ = false;
    }
  }

  Status AddCall(const Json& function, std::string signature, CompletionObserver* observer) {
    open_thought_ = false;
    ToolCall call;
    call.name = JsonString(function, "name");
    if (call.name.empty()) return NotProtocolStatus(spec_, "functionCall without a name");
    call.id = JsonString(function, "id");
    if (call.id.empty()) {
      call.id = (made_up_prefix_.empty() ? std::string(kGeminiMadeUpIdPrefix) : made_up_prefix_) +
                std::to_string(calls_.size());
    }
    const Json* args = JsonField(function, "args");
    call.raw_arguments = args != nullptr ? DumpJson(*args) : "";
    ParseToolArguments(call);
    if (observer != nullptr) observer->OnToolCallStarted(call);
    if (!signature.empty()) {
      reasoning_.push_back({.origin = std::string(kPartSignature),
                            .signature = std::move(signature),
                            .tool_call_id = call.id});
    }
    calls_.push_back(std::move(call));
    return Status::Ok();
  }

  const ModelSpec& spec_;
  std::string made_up_prefix_;
  std::string text_;
  std::string text_signature_;
  std::vector<ToolCall> calls_;
  std::vector<Reasoning> reasoning_;
  bool open_thought_ = false;
};

const Json* FirstCandidate(const Json& root) {
  const Json* candidates = JsonField(root, "candidates");
  if (candidates == nullptr || !candidates->is_array() || candidates->empty()) return nullptr;
  return &(*candidates)[0];
}

const Json& PartsOf(const Json& candidate) {
  static const Json kNone = Json::array();
  const Json* content = JsonField(candidate, "content");
  const Json* parts = content != nullptr ? JsonField(*content, "parts") : nullptr;
  return parts != nullptr ? *parts : kNone;
}

class GeminiCodec final : public ProtocolCodec {
 public:
  GeminiCodec(ModelSpec spec, HttpTimeouts timeouts) : spec_(std::move(spec)), timeouts_(timeouts) {
    std::string_view model = spec_.model;
    if (model.starts_with("models/")) model.remove_prefix(7);
    std::string base = spec_.base_url + "/models/" + std::string(model);
    url_ = base + ":generateContent";
    stream_url_ = base + ":streamGenerateContent?alt=sse";
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
  std::string stream_url_;
  HttpTimeouts timeouts_;
};

Result<HttpRequest> GeminiCodec::Encode(const ModelRequest& request) const {
  std::string system = request.system_prompt;
  ASSIGN_OR_RETURN(Json contents, EncodeContents(request.messages, system));
  Json body = Json::object();
  if (!system.empty()) body["systemInstruction"] = {{"parts", Json::array({{{"text", system}}})}};
  body["contents"] = std::move(contents);
  if (!request.tools.empty()) {
    Json declarations = Json::array();
    for (const ToolSpec& tool : request.tools) declarations.push_back(FunctionDeclaration(tool));
    body["tools"] = Json::array({{{"functionDeclarations", std::move(declarations)}}});
  }
  Json config = {{"maxOutputTokens", request.max_tokens}};
  if (request.temperature) config["temperature"] = *request.temperature;
  if (GeminiModelThinks(spec_.model)) config["thinkingConfig"] = {{"includeThoughts", true}};
  body["generationConfig"] = std::move(config);
  return JsonPost(request.stream ? stream_url_ : url_, timeouts_,
                  request.stream ? "text/event-stream" : "application/json", body, "x-goog-api-key",
                  spec_.api_key);
}

Result<ModelResponse> GeminiCodec::DecodeBody(std::string_view body) const {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return BadJsonStatus(spec_, url_, body, parsed.error());
  const Json& root = *parsed;
  if (std::optional<ProviderError> error = ErrorIn(root)) return StreamErrorStatus(spec_, *error);
  if (!root.is_object()) return NotProtocolStatus(spec_, "the reply is not an object");
  const Json* candidate = FirstCandidate(root);
  if (candidate == nullptr) return BlockedStatus(spec_, root);
  Assembly assembly(spec_, "");
  assembly.SetIdPrefix(JsonString(root, "responseId"));
  RETURN_IF_ERROR(assembly.AddParts(PartsOf(*candidate), nullptr));
  const Json* usage = JsonField(root, "usageMetadata");
  return assembly.Take(JsonString(*candidate, "finishReason"),
                       usage != nullptr ? *usage : Json::object(),
                       JsonString(root, "modelVersion"));
}

class GeminiStreamDecoder final : public StreamDecoder {
 public:
  explicit GeminiStreamDecoder(const GeminiCodec& codec)
      : codec_(codec), assembly_(codec.spec(), "") {}

  Status OnEvent(const SseEvent& event, CompletionObserver& observer) override {
    if (event.data.empty()) return Status::Ok();
    Result<Json> parsed = ParseJson(event.data);
    if (!parsed.ok()) {
      return BadJsonStatus(codec_.spec(), codec_.url(), event.data, parsed.error());
    }
    const Json& chunk = *parsed;
    if (std::optional<ProviderError> error = ErrorIn(chunk)) {
      return StreamErrorStatus(codec_.spec(), *error);
    }
    if (!chunk.is_object()) return NotProtocolStatus(codec_.spec(), "a chunk is not an object");
    if (model_.empty()) model_ = JsonString(chunk, "modelVersion");
    assembly_.SetIdPrefix(JsonString(chunk, "responseId"));
    // Usage comes on every chunk, as running totals: the last one counts.
    if (const Json* usage = JsonField(chunk, "usageMetadata"); usage && usage->is_object()) {
      usage_ = *usage;
    }
    const Json* candidate = FirstCandidate(chunk);
    if (candidate == nullptr) {
      const Json* feedback = JsonField(chunk, "promptFeedback");
      if (feedback != nullptr && !JsonString(*feedback, "blockReason").empty()) {
        return BlockedStatus(codec_.spec(), chunk);
      }
      return Status::Ok();
    }
    RETURN_IF_ERROR(assembly_.AddParts(PartsOf(*candidate), &observer));
    std::string finish = JsonString(*candidate, "finishReason");
    if (!finish.empty()) finish_reason_ = finish;
    return Status::Ok();
  }

  // Gemini sends no terminator: the chunk with the finishReason is the last, so the reply
  // is whole once it has come.
  StreamState state() const override {
    return finish_reason_ ? StreamState::kTerminated : StreamState::kOpen;
  }

  Result<ModelResponse> TakeResponse() override {
    return assembly_.Take(finish_reason_.value_or(""), usage_, model_);
  }

 private:
  const GeminiCodec& codec_;
  Assembly assembly_;
  std::optional<std::string> finish_reason_;
  Json usage_ = Json::object();
  std::string model_;
};

std::unique_ptr<StreamDecoder> GeminiCodec::NewStreamDecoder() const {
  return std::make_unique<GeminiStreamDecoder>(*this);
}

}  // namespace

bool GeminiModelThinks(std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  if (model.find("thinking") != std::string_view::npos) return true;
  if (!model.starts_with("gemini-")) return false;
  std::string_view version = model.substr(7);
  // gemini-1.x and gemini-2.0 do not think; 2.5, 3 and later do.
  return !(version.starts_with("1.") || version.starts_with("2.0") || version.starts_with("pro") ||
           version.starts_with("exp"));
}

std::unique_ptr<ProtocolCodec> NewGeminiCodec(ModelSpec spec, HttpTimeouts timeouts) {
  return std::make_unique<GeminiCodec>(std::move(spec), timeouts);
}

}  // namespace mh::llm
