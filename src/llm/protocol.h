// ProtocolCodec: one wire protocol (Chat Completions, Anthropic Messages) as the
// provider model drives it. Internal to llm/: the types here never reach the agent.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "llm/http_transport.h"
#include "llm/model.h"
#include "llm/model_spec.h"
#include "llm/sse.h"
#include "llm/types.h"

namespace mh::llm {

// How far a stream has got.
enum class StreamState {
  kOpen,        // No end marker yet: a stream that stops here was cut.
  kFinishing,   // The reply is whole (a finish_reason) but the terminator may follow.
  kTerminated,  // The protocol's terminator ([DONE], message_stop) arrived.
};

// How a codec's streamed replies are framed on the wire.
enum class StreamFraming {
  kSse,     // Server-Sent Events (Chat Completions, Responses, Anthropic).
  kNdjson,  // One JSON object per line (Ollama's native API); each line is an event's data.
};

// Assembles one streamed reply from its events. Not thread-safe (one call's events
// arrive in order on the loop thread).
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Takes one event (NDJSON framing: a line, as `data`), telling `observer` of text and tool calls
  // as they start. An error (a protocol error event, a malformed event) ends the call with that
  // error.
  virtual Status OnEvent(const SseEvent& event, CompletionObserver& observer) = 0;
  virtual StreamState state() const = 0;
  // The assembled reply; only when state() is not kOpen. Errors: a reply that cannot be
  // whole (e.g. tool arguments cut short).
  virtual Result<ModelResponse> TakeResponse() = 0;
};

// The error a provider put in an error body.
struct ProviderError {
  std::string type;  // "invalid_request_error", "overloaded_error"; may be empty.
  std::string message;
};

// A POST of `body` as JSON to `url` asking for `accept`, with the key in `key_header` when
// there is one ("Authorization" carries it as "Bearer KEY"). The codecs' common request.
inline HttpRequest JsonPost(const std::string& url, const HttpTimeouts& timeouts,
                            std::string_view accept, const Json& body, std::string_view key_header,
                            const std::string& key) {
  HttpRequest http;
  http.url = url;
  http.timeouts = timeouts;
  http.headers.push_back({"Content-Type", "application/json"});
  http.headers.push_back({"Accept", std::string(accept)});
  if (!key.empty()) {
    http.headers.push_back(
        {std::string(key_header), key_header == "Authorization" ? "Bearer " + key : key});
  }
  http.body = DumpJson(body);
  return http;
}

// Thread-safe: const, used by many calls at once.
class ProtocolCodec {
 public:
  virtual ~ProtocolCodec() = default;
  // The HTTP request for `request`. Errors: kInvalidArgument when the conversation
  // cannot be expressed (e.g. a tool result without a call id).
  virtual Result<HttpRequest> Encode(const ModelRequest& request) const = 0;
  // A whole (non-streamed) reply body, already known to look like JSON.
  // Errors: kUnavailable for truncated JSON, kFailedPrecondition for JSON that is not the
  // protocol, or the provider's error when the body is an error object.
  virtual Result<ModelResponse> DecodeBody(std::string_view body) const = 0;
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder() const = 0;
  // How streamed replies are framed; SSE unless the codec says otherwise.
  virtual StreamFraming framing() const { return StreamFraming::kSse; }
  // The provider's error from an error body; nullopt when the body is not one.
  virtual std::optional<ProviderError> ParseError(std::string_view body) const = 0;
  // The URL requests go to (it never holds a key), for error messages.
  virtual const std::string& url() const = 0;
};

}  // namespace mh::llm
