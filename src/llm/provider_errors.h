// Provider errors as Status: one wording for every protocol, with no secret in it.
// Internal to llm/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "llm/model_spec.h"
#include "llm/protocol.h"

namespace mh::llm {

// An HTTP error reply: "anthropic: HTTP 400 invalid_request_error: MESSAGE (1 attempt)".
// Codes: 401/403 kPermissionDenied (naming the key variable), 429/5xx/529/408
// kUnavailable, except errors that cannot succeed by retrying (IsPermanentHttpError):
// 429 insufficient_quota kResourceExhausted, a server that cannot stream tool calls
// kFailedPrecondition; other 4xx kInvalidArgument, 3xx kFailedPrecondition. When the body
// is not a provider error, the message gives its content type and first bytes instead.
// `attempts` (how often the request was sent) ends the message.
Status HttpErrorStatus(const ModelSpec& spec, const std::string& url, int http_status,
                       const std::optional<ProviderError>& error, std::string_view content_type,
                       std::string_view body, int attempts = 1);

// True when an error reply with a retryable status (429, 5xx) can never succeed by being
// sent again: a 429 for billing (insufficient_quota), or CannotStreamTools.
bool IsPermanentHttpError(int http_status, const std::optional<ProviderError>& error);

// True for an older llama.cpp server's 500 "Cannot use tools with stream": the same
// request without streaming succeeds.
bool CannotStreamTools(int http_status, const std::optional<ProviderError>& error);

// `text` with key-shaped words replaced by "[REDACTED]": words that start with a known key
// prefix (sk-ant-, sk-, xai-, gsk_, AIza, ...) followed by 8 or more key characters with a
// digit or a '*' among them, so a provider's partly masked echo ("sk-secr*****-test")
// goes too while words such as "xai-compatible" stay.
std::string RedactKeyShapes(std::string_view text);

// A provider error object that came with a 2xx status or inside a stream:
// "anthropic: overloaded_error: Overloaded". Overload, rate and server errors are
// kUnavailable; the rest kInvalidArgument.
Status StreamErrorStatus(const ModelSpec& spec, const ProviderError& error);

// "xai: expected JSON from URL but got text/html (first bytes: ...)": kFailedPrecondition.
Status NotJsonStatus(const ModelSpec& spec, const std::string& url, std::string_view content_type,
                     std::string_view body);

// "xai: truncated or malformed JSON from URL (N bytes): PARSE ERROR": kUnavailable.
Status BadJsonStatus(const ModelSpec& spec, const std::string& url, std::string_view body,
                     const Status& parse_error);

// "xai: reply is not the protocol: WHAT": kFailedPrecondition.
Status NotProtocolStatus(const ModelSpec& spec, std::string_view what);

// True when a body with this content type and these first bytes should be JSON.
bool LooksLikeJson(std::string_view content_type, std::string_view body);

// Up to `n` bytes of `body`, printable, one line, with secrets redacted.
std::string FirstBytes(std::string_view body, size_t n = 120);

// `text` with registered secrets redacted, key-shaped words redacted (RedactKeyShapes),
// and any run of 8 or more characters of `key` replaced, so even a provider's partly
// masked echo of the key does not leak.
std::string ScrubSecrets(std::string_view text, std::string_view key);

// Defensive JSON field access for decoders: absent or wrongly typed fields read as
// empty/zero/null rather than throwing.
std::string JsonString(const Json& object, std::string_view key);
int64_t JsonInt(const Json& object, std::string_view key);
const Json* JsonField(const Json& object, std::string_view key);

}  // namespace mh::llm
