#include "testing/wire.h"

namespace mh::testing {
namespace {

std::string OpenAiErrorType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string AnthropicErrorType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

std::vector<std::string_view> SplitUtf8(std::string_view text, int chars) {
  std::vector<std::string_view> pieces;
  size_t step = chars < 1 ? 1 : static_cast<size_t>(chars);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + step);
    auto continuation = [&](size_t i) {
      return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
    };
    // Move back off UTF-8 continuation bytes (10xxxxxx); when that would leave nothing
    // (a character wider than `chars`), take the whole character instead.
    size_t back = end;
    while (back > start && continuation(back)) --back;
    if (back > start) {
      end = back;
    } else {
      while (continuation(end)) ++end;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::string SseEvent(std::string_view event, const Json& data) {
  std::string out;
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  out.append("data: ").append(DumpJson(data)).append("\n\n");
  return out;
}

std::vector<std::string> StreamEvents(Protocol protocol, const Reply& reply) {
  switch (protocol) {
    case Protocol::kChat:
      return ChatStreamEvents(reply);
    case Protocol::kResponses:
      return ResponsesStreamEvents(reply);
    case Protocol::kAnthropic:
      return AnthropicStreamEvents(reply);
    case Protocol::kGemini:
      return GeminiStreamEvents(reply);
    case Protocol::kOllama:
      return OllamaStreamLines(reply);
  }
  return {};
}

std::string ReplyBody(Protocol protocol, const Reply& reply) {
  switch (protocol) {
    case Protocol::kChat:
      return ChatBody(reply);
    case Protocol::kResponses:
      return ResponsesBody(reply);
    case Protocol::kAnthropic:
      return AnthropicBody(reply);
    case Protocol::kGemini:
      return GeminiBody(reply);
    case Protocol::kOllama:
      return OllamaBody(reply);
  }
  return {};
}

std::string FakeThinkingSignature(std::string_view text) {
  return "fake-signature-" + std::to_string(text.size());
}

std::string FakeEncryptedReasoning(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "fake-encrypted-";
  for (unsigned char c : text) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::vector<std::string> StreamErrorEvents(Protocol protocol, const Reply& reply,
                                           std::string_view type, std::string_view message) {
  switch (protocol) {
    case Protocol::kChat:
      return {SseEvent("", {{"error", {{"message", message}, {"type", type}, {"code", type}}}})};
    case Protocol::kResponses:
      return ResponsesErrorEvents(reply, type, message);
    case Protocol::kAnthropic:
      return {SseEvent("error",
                       {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}})};
    case Protocol::kGemini:  // A chunk that is Google's error object.
      return {SseEvent("", Json::parse(GeminiErrorBody(500, message, type)))};
    case Protocol::kOllama:  // An error line after 200 OK.
      return {DumpJson({{"error", message}}) + "\n"};
  }
  return {};
}

std::string StreamErrorBody(Protocol protocol, const Reply& reply, std::string_view type,
                            std::string_view message) {
  if (protocol == Protocol::kResponses) return ResponsesErrorBody(reply, type, message);
  return ErrorBody(protocol, 200, message, type, "");
}

std::string ErrorBody(Protocol protocol, int status, std::string_view message,
                      std::string_view type, std::string_view metadata_raw) {
  if (protocol == Protocol::kGemini) return GeminiErrorBody(status, message, type);
  if (protocol == Protocol::kOllama) return DumpJson({{"error", message}});
  if (protocol == Protocol::kAnthropic) {
    return DumpJson({{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
  }
  if (!metadata_raw.empty()) {  // OpenRouter: a generic message, the reason in metadata.
    return DumpJson({{"error",
                      {{"message", message},
                       {"code", status},
                       {"metadata", {{"raw", metadata_raw}, {"provider_name", "FakeUpstream"}}}}}});
  }
  return DumpJson(
      {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", type}}}});
}

std::string ErrorBody(Protocol protocol, int status, std::string_view message) {
  if (protocol == Protocol::kGemini) return GeminiErrorBody(status, message, "");
  if (protocol == Protocol::kOllama) return DumpJson({{"error", message}});  // Ollama's shape.
  if (protocol == Protocol::kAnthropic) {
    return DumpJson({{"type", "error"},
                     {"error", {{"type", AnthropicErrorType(status)}, {"message", message}}}});
  }
  return DumpJson({{"error",
                    {{"message", message},
                     {"type", OpenAiErrorType(status)},
                     {"param", nullptr},
                     {"code", status == 429 ? Json("rate_limit_exceeded") : Json(nullptr)}}}});
}

}  // namespace mh::testing
