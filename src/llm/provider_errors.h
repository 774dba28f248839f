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

// An HTTP error reply: "anthropic: HTTP 400 invalid_request_error: MESSAGE".
// Codes: 401/403 kPermissionDenied (naming the key variable), 429/5xx/529/408
// kUnavailable (429 insufficient_quota: kResourceExhausted), other 4xx
// kInvalidArgument, 3xx kFailedPrecondition. When the body is not a provider error, the
// message gives its content type and first bytes instead.
Status HttpErrorStatus(const ModelSpec& spec, const std::string& url, int http_status,
                       const std::optional<ProviderError>& error, std::string_view content_type,
                       std::string_view body);

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

// `text` with registered secrets redacted and with any run of 8 or more characters of
// `key` replaced, so even a provider's partly masked echo of the key does not leak.
std::string ScrubSecrets(std::string_view text, std::string_view key);

// Defensive JSON field access for decoders: absent or wrongly typed fields read as
// empty/zero/null rather than throwing.
std::string JsonString(const Json& object, std::string_view key);
int64_t JsonInt(const Json& object, std::string_view key);
const Json* JsonField(const Json& object, std::string_view key);

}  // namespace mh::llm
