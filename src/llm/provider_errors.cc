#include "llm/provider_errors.h"

#include <algorithm>
#include <cctype>

#include "base/secrets.h"

namespace mh::llm {
namespace {

constexpr size_t kMinKeyFragment = 8;
constexpr size_t kMaxErrorMessage = 1000;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

std::string KeyHint(const ModelSpec& spec) {
  if (spec.key_env.empty()) return "; this endpoint takes no key in Macrohard";
  if (spec.api_key.empty()) return "; set " + spec.key_env;
  return "; check " + spec.key_env;
}

StatusCode CodeForHttp(int status, const std::optional<ProviderError>& error) {
  if (status == 401 || status == 403) return StatusCode::kPermissionDenied;
  if (status == 429 && error && Lower(error->type).find("quota") != std::string::npos) {
    return StatusCode::kResourceExhausted;
  }
  if (status == 408 || status == 429 || status >= 500) return StatusCode::kUnavailable;
  if (status >= 300 && status < 400) return StatusCode::kFailedPrecondition;
  return StatusCode::kInvalidArgument;
}

std::string Describe(const ProviderError& error, std::string_view key) {
  std::string message = error.message.substr(0, kMaxErrorMessage);
  std::string text = error.type.empty() ? message : error.type + ": " + message;
  return ScrubSecrets(text, key);
}

}  // namespace

Status HttpErrorStatus(const ModelSpec& spec, const std::string& url, int http_status,
                       const std::optional<ProviderError>& error, std::string_view content_type,
                       std::string_view body) {
  std::string text = spec.provider + ": HTTP " + std::to_string(http_status);
  if (error) {
    text += " " + Describe(*error, spec.api_key);
  } else {
    std::string type = content_type.empty() ? "no content type" : std::string(content_type);
    text += " from " + url + " (" + type +
            ", first bytes: " + ScrubSecrets(FirstBytes(body), spec.api_key) + ")";
  }
  StatusCode code = CodeForHttp(http_status, error);
  if (code == StatusCode::kPermissionDenied) text += KeyHint(spec);
  if (http_status >= 300 && http_status < 400) text += "; check the base URL";
  return Status(code, text);
}

Status StreamErrorStatus(const ModelSpec& spec, const ProviderError& error) {
  std::string type = Lower(error.type);
  bool transient =
      type.find("overloaded") != std::string::npos ||
      type.find("rate_limit") != std::string::npos || type.find("api_error") != std::string::npos ||
      type.find("server") != std::string::npos || type.find("timeout") != std::string::npos;
  std::string text = spec.provider + ": " + Describe(error, spec.api_key);
  return Status(transient ? StatusCode::kUnavailable : StatusCode::kInvalidArgument, text);
}

Status NotJsonStatus(const ModelSpec& spec, const std::string& url, std::string_view content_type,
                     std::string_view body) {
  std::string type = content_type.empty() ? "no content type" : std::string(content_type);
  return FailedPreconditionError(
      spec.provider + ": expected JSON from " + url + " but got " + type +
      " (first bytes: " + ScrubSecrets(FirstBytes(body), spec.api_key) + ")");
}

Status BadJsonStatus(const ModelSpec& spec, const std::string& url, std::string_view body,
                     const Status& parse_error) {
  return UnavailableError(spec.provider + ": truncated or malformed JSON from " + url + " (" +
                          std::to_string(body.size()) +
                          " bytes): " + ScrubSecrets(parse_error.message(), spec.api_key));
}

Status NotProtocolStatus(const ModelSpec& spec, std::string_view what) {
  return FailedPreconditionError(
      spec.provider + ": reply is not the protocol: " + ScrubSecrets(what, spec.api_key));
}

bool LooksLikeJson(std::string_view content_type, std::string_view body) {
  if (Lower(content_type).find("json") != std::string::npos) return true;
  std::string_view start = Trim(body);
  return !start.empty() && (start.front() == '{' || start.front() == '[');
}

std::string FirstBytes(std::string_view body, size_t n) {
  std::string out;
  for (char c : body.substr(0, n)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u == '\n' || u == '\r' || u == '\t') ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (body.size() > n) out += "...";
  return RedactSecrets(out);
}

std::string ScrubSecrets(std::string_view text, std::string_view key) {
  std::string out = RedactSecrets(text);
  if (key.size() < kMinKeyFragment) return out;
  std::string result;
  size_t i = 0;
  while (i < out.size()) {
    size_t len = 0;
    // The longest run starting at i that occurs in the key.
    while (i + len < out.size() &&
           key.find(std::string_view(out).substr(i, len + 1)) != std::string_view::npos) {
      ++len;
    }
    if (len >= kMinKeyFragment) {
      result += "[REDACTED]";
      i += len;
    } else {
      result += out[i];
      ++i;
    }
  }
  return result;
}

std::string JsonString(const Json& object, std::string_view key) {
  const Json* field = JsonField(object, key);
  return field != nullptr && field->is_string() ? field->get<std::string>() : std::string();
}

int64_t JsonInt(const Json& object, std::string_view key) {
  const Json* field = JsonField(object, key);
  if (field == nullptr || !field->is_number()) return 0;
  return field->is_number_integer() ? field->get<int64_t>()
                                    : static_cast<int64_t>(field->get<double>());
}

const Json* JsonField(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace mh::llm
