#include "testing/fake_llm_handler.h"

#include <algorithm>

#include "base/clock.h"
#include "testing/wire.h"

namespace mh::testing {
namespace {

constexpr char kHtmlPage[] =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><h1>Bad Gateway</h1><p>The proxy received an invalid response.</p></body></html>\n";

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Decision Now(HttpResponse response) {
  return Decision{0, [r = std::move(response)]() { return r; }};
}

bool PathIs(const std::string& path, std::initializer_list<std::string_view> options) {
  return std::any_of(options.begin(), options.end(), [&](std::string_view p) { return path == p; });
}

// Arguments cut inside a string, so that no JSON parser accepts them.
std::string Malform(const std::string& arguments) {
  return arguments.substr(0, arguments.size() / 2) + "\"unterminated";
}

// The words of a stream_error fault, or empty when there is none.
struct StreamError {
  std::string type;
  std::string message;
};

HttpResponse RenderModel(Protocol protocol, bool stream, const Reply& reply, FaultKind fault,
                         std::optional<int> after_events, const StreamError& error) {
  HttpResponse r;
  if (fault == FaultKind::kHtml) {
    r.content_type = "text/html; charset=utf-8";
    r.body = kHtmlPage;
    return r;
  }
  if (fault == FaultKind::kStreamError) {
    if (!stream) {
      r.body = StreamErrorBody(protocol, reply, error.type, error.message);
      return r;
    }
    r.streaming = true;
    r.content_type = "text/event-stream";
    r.events = StreamErrorEvents(protocol, reply, error.type, error.message);
    return r;
  }
  if (fault == FaultKind::kStall) r.ending = HttpResponse::Ending::kStall;
  if (fault == FaultKind::kCutStream) r.ending = HttpResponse::Ending::kCut;
  if (!stream) {
    r.body = ReplyBody(protocol, reply);
    return r;
  }
  r.streaming = true;
  if (protocol == Protocol::kOllama) {
    r.content_type = "application/x-ndjson";  // One JSON object per line, not SSE.
  } else {
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
  }
  r.events = StreamEvents(protocol, reply);
  size_t half = r.events.size() / 2;
  r.cut_after_events = std::min(r.events.size() - 1, after_events ? size_t(*after_events) : half);
  return r;
}

// A Gemini model route: POST /v1beta/models/{model}:generateContent or
// :streamGenerateContent (also under /v1 and without a version). Sets the model and
// whether the client streams; false for any other path.
bool GeminiRoute(const std::string& path, std::string& model, bool& stream) {
  std::string_view p = path;
  for (std::string_view prefix : {"/v1beta/models/", "/v1/models/", "/models/"}) {
    if (!p.starts_with(prefix)) continue;
    std::string_view rest = p.substr(prefix.size());
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view method = rest.substr(colon + 1);
    if (method != "generateContent" && method != "streamGenerateContent") return false;
    model = std::string(rest.substr(0, colon));
    stream = method == "streamGenerateContent";
    return true;
  }
  return false;
}

Json ModelList(const Scenario& scenario) {
  Json data = Json::array();
  for (const std::string& m : scenario.models) {
    data.push_back({{"id", m},
                    {"object", "model"},
                    {"type", "model"},
                    {"display_name", m},
                    {"created", 1'700'000'000},
                    {"owned_by", "mh-fake-llm"}});
  }
  return {{"object", "list"}, {"data", data}, {"has_more", false}};
}

}  // namespace

FakeLlmHandler::FakeLlmHandler(Scenario scenario, RequestLog& log)
    : scenario_(std::move(scenario)),
      log_(log),
      fault_counts_(scenario_.turns.size(), 0),
      ids_(SystemClock()) {}

HttpResponse FakeLlmHandler::ParseError(int status, const std::string& message) {
  return JsonResponse(status, ErrorBody(Protocol::kChat, status, message));
}

Decision FakeLlmHandler::Handle(const HttpRequest& request) {
  Json record = {{"time", FormatRfc3339(SystemClock().Now())},
                 {"method", request.method},
                 {"path", request.path},
                 {"protocol", nullptr},
                 {"model", nullptr},
                 {"stream", false},
                 {"bytes", request.body.size()},
                 {"messages", 0},
                 {"tool_results", 0},
                 {"tools", Json::array()},
                 {"reasoning_back", 0},
                 {"turn", nullptr},
                 {"fault", nullptr},
                 {"status", 200},
                 {"headers", RedactedHeaders(request.headers)}};
  const std::string& m = request.method;
  const std::string& path = request.path;
  bool get = m == "GET" || m == "HEAD";
  std::string gemini_model;
  bool gemini_stream = false;
  Decision d;
  if (m == "POST" && PathIs(path, {"/v1/chat/completions", "/chat/completions"})) {
    d = HandleModel(Protocol::kChat, request, record);
  } else if (m == "POST" && PathIs(path, {"/v1/responses", "/responses"})) {
    d = HandleModel(Protocol::kResponses, request, record);
  } else if (m == "POST" && GeminiRoute(path, gemini_model, gemini_stream)) {
    d = HandleModel(Protocol::kGemini, request, record);
  } else if (m == "POST" && path == "/v1/messages") {
    d = HandleModel(Protocol::kAnthropic, request, record);
  } else if (m == "POST" && path == "/api/chat") {
    d = HandleModel(Protocol::kOllama, request, record);
  } else if (m == "POST" && path == "/v1/messages/count_tokens") {
    int64_t tokens = std::max<int64_t>(1, static_cast<int64_t>(request.body.size() / 4));
    d = Now(JsonResponse(200, DumpJson({{"input_tokens", tokens}})));
  } else if (get && PathIs(path, {"/v1/models", "/models"})) {
    d = Now(JsonResponse(200, DumpJson(ModelList(scenario_))));
  } else if (get && path == "/health") {
    HttpResponse ok = JsonResponse(200, "ok");
    ok.content_type = "text/plain";
    d = Now(std::move(ok));
  } else {
    std::string message = "no route for " + m + " " + path;
    d = Now(JsonResponse(404, ErrorBody(Protocol::kChat, 404, message)));
    record["status"] = 404;
  }
  log_.Add(record);
  return d;
}

Decision FakeLlmHandler::HandleModel(Protocol protocol, const HttpRequest& request, Json& record) {
  record["protocol"] = ProtocolName(protocol);
  auto fail = [&](int status, const std::string& message) {
    record["status"] = status;
    return Now(JsonResponse(status, ErrorBody(protocol, status, message)));
  };
  Result<Json> body = ParseJson(request.body);
  if (!body.ok()) return fail(400, "request body is not JSON: " + body.error().message());
  Result<LlmRequest> parsed = ReadLlmRequest(protocol, *body, request.body.size());
  if (!parsed.ok()) return fail(400, parsed.error().message());
  if (protocol == Protocol::kGemini) {
    GeminiRoute(request.path, parsed->model, parsed->stream);
    if (parsed->stream && request.target.find("alt=sse") == std::string::npos) {
      return fail(400, "mh-fake-llm streams Gemini replies as SSE only: add ?alt=sse");
    }
    record["thought_signatures"] = parsed->thought_signatures;
  }
  const LlmRequest& req = *parsed;
  if (scenario_.require_reasoning_back && req.turn_without_reasoning >= 0) {
    // The providers' own words (DeepSeek thinking mode; Anthropic extended thinking); for
    // Responses, which accepts such a request and only reasons worse, the fake's own.
    std::string index = std::to_string(req.turn_without_reasoning);
    std::string message =
        protocol == Protocol::kChat
            ? "The reasoning_content in the thinking mode must be passed back to the API."
        : protocol == Protocol::kGemini
            ? "Function call is missing a thought_signature in functionCall parts. This is "
              "required for tools to work correctly, and missing thought_signature may lead "
              "to degraded model performance. Additional data, content " +
                  index +
                  ". Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures "
                  "for more details."
        : protocol == Protocol::kResponses
            ? "input[" + index +
                  "]: function_call item was provided without the reasoning item (with "
                  "encrypted_content) that came before it"
            : "messages." + index +
                  ".content.0.type: Expected `thinking` or `redacted_thinking`, but found a "
                  "different block. When `thinking` is enabled, an assistant message with "
                  "tool_use must start with a thinking block.";
    return fail(400, message);
  }
  record["model"] = req.model;
  record["stream"] = req.stream;
  record["messages"] = req.messages;
  record["tool_results"] = req.tool_results;
  record["tools"] = req.tools;
  if (req.max_tokens > 0) record["max_tokens"] = req.max_tokens;
  if (protocol == Protocol::kOllama) record["num_ctx"] = req.num_ctx;
  record["reasoning_back"] = req.reasoning_back;
  for (size_t i = 0; i < scenario_.turns.size(); ++i) {
    if (!Matches(scenario_.turns[i].when, req)) continue;
    const Fault* fault = TakeFault(i);
    record["turn"] = i;
    if (fault != nullptr) record["fault"] = FaultKindName(fault->kind);
    if (fault != nullptr && fault->kind == FaultKind::kHttpStatus) record["status"] = fault->status;
    return Answer(protocol, req, i, fault);
  }
  return fail(400, "scenario '" + scenario_.name + "' has no turn for this request (" +
                       std::string(ProtocolName(protocol)) + ", " + std::to_string(req.messages) +
                       " messages, " + std::to_string(req.tool_results) + " tool results, " +
                       std::to_string(req.tools.size()) + " tools)");
}

const Fault* FakeLlmHandler::TakeFault(size_t turn_index) {
  const std::optional<Fault>& fault = scenario_.turns[turn_index].fault;
  if (!fault) return nullptr;
  if (fault->times && fault_counts_[turn_index] >= *fault->times) return nullptr;
  ++fault_counts_[turn_index];
  return &*fault;
}

Decision FakeLlmHandler::Answer(Protocol protocol, const LlmRequest& request, size_t turn_index,
                                const Fault* fault) {
  const Turn& turn = scenario_.turns[turn_index];
  Decision d;
  d.delay_ms = turn.delay_ms;
  if (fault != nullptr && fault->kind == FaultKind::kDelay) d.delay_ms += fault->delay_ms;
  if (fault != nullptr && fault->kind == FaultKind::kHttpStatus) {
    std::string message = fault->message.empty()
                              ? "injected fault: HTTP " + std::to_string(fault->status)
                              : fault->message;
    HttpResponse r = JsonResponse(
        fault->status,
        fault->error_type.empty() && fault->metadata_raw.empty()
            ? ErrorBody(protocol, fault->status, message)
            : ErrorBody(protocol, fault->status, message, fault->error_type, fault->metadata_raw));
    if (!fault->retry_after.empty()) r.headers.emplace_back("Retry-After", fault->retry_after);
    d.render = [r = std::move(r)]() { return r; };
    return d;
  }
  bool anthropic = protocol == Protocol::kAnthropic;
  bool gemini = protocol == Protocol::kGemini;
  bool malformed = fault != nullptr && fault->kind == FaultKind::kMalformedToolJson;
  Reply reply;
  reply.id = protocol == Protocol::kChat ? "chatcmpl-" + ids_.Next("x").substr(2)
             : anthropic                 ? ids_.Next("msg")
                                         : ids_.Next("resp");
  reply.message_id = ids_.Next("msg");
  reply.model = request.model.empty() ? scenario_.model : request.model;
  reply.created = ToUnixMillis(SystemClock().Now()) / 1000;
  reply.text = turn.text;
  reply.reasoning = turn.reasoning;
  reply.stop_reason = turn.stop_reason;
  reply.chunk_chars = turn.chunk_chars;
  reply.include_usage = request.include_usage;
  if (!turn.reasoning.empty()) reply.reasoning_id = ids_.Next("rs");
  reply.encrypted_reasoning = request.include_encrypted_reasoning;
  size_t reply_chars = turn.text.size();
  for (const ToolCallSpec& spec : turn.tool_calls) {
    ReplyToolCall call;
    // Gemini 2.5 sends calls without an id: results find them by name.
    call.call_id = gemini ? "" : ids_.Next(anthropic ? "toolu" : "call");
    call.item_id = ids_.Next("fc");
    call.name = spec.name;
    call.arguments = DumpJson(spec.arguments);
    if (malformed) call.arguments = Malform(call.arguments);
    call.malformed = malformed;
    reply_chars += call.name.size() + call.arguments.size();
    reply.tool_calls.push_back(std::move(call));
  }
  reply.input_tokens = std::max<int64_t>(1, static_cast<int64_t>(request.bytes / 4));
  reply.output_tokens = std::max<int64_t>(1, static_cast<int64_t>(reply_chars / 4));
  if (turn.usage) {
    reply.input_tokens = turn.usage->input_tokens;
    reply.output_tokens = turn.usage->output_tokens;
    reply.reasoning_tokens = turn.usage->reasoning_tokens;
    reply.cache_read_tokens = turn.usage->cache_read_tokens;
    reply.cache_write_tokens = turn.usage->cache_write_tokens;
    reply.reasoning_apart = turn.usage->reasoning_apart;
  }
  // A context smaller than the prompt cuts it: the reply counts only what was kept.
  int64_t context = scenario_.context_tokens;
  if (protocol == Protocol::kOllama && request.num_ctx > 0) {
    context = context > 0 ? std::min(context, request.num_ctx) : request.num_ctx;
  }
  if (context > 0 && reply.input_tokens > context) reply.input_tokens = context;
  FaultKind kind = fault != nullptr ? fault->kind : FaultKind::kDelay;  // kDelay: no effect.
  std::optional<int> after_events = fault != nullptr ? fault->after_events : std::nullopt;
  StreamError error;
  if (kind == FaultKind::kStreamError) {
    error.type = fault->error_type.empty() ? "server_error" : fault->error_type;
    error.message = fault->message.empty() ? "injected fault: stream error" : fault->message;
  }
  d.render = [protocol, stream = request.stream, reply = std::move(reply), kind, after_events,
              error = std::move(error)]() {
    return RenderModel(protocol, stream, reply, kind, after_events, error);
  };
  return d;
}

}  // namespace mh::testing
