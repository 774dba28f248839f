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

bool IsBillingError(int status, const std::optional<ProviderError>& error) {
  if (status != 429 || !error) return false;
  // Gemini words its per-minute limits "exceeded your current quota ... plan and billing"
  // too; they pass (RetryInfo says when), so RESOURCE_EXHAUSTED stays retryable.
  if (error->type == "RESOURCE_EXHAUSTED") return false;
  return Lower(error->type).find("quota") != std::string::npos ||
         Lower(error->message).find("check your plan and billing") != std::string::npos;
}

StatusCode CodeForHttp(int status, const std::optional<ProviderError>& error) {
  if (status == 401 || status == 403) return StatusCode::kPermissionDenied;
  if (IsBillingError(status, error)) return StatusCode::kResourceExhausted;
  if (CannotStreamTools(status, error)) return StatusCode::kFailedPrecondition;
  if (status == 408 || status == 429 || status >= 500) return StatusCode::kUnavailable;
  if (status >= 300 && status < 400) return StatusCode::kFailedPrecondition;
  return StatusCode::kInvalidArgument;
}

std::string Describe(const ProviderError& error, std::string_view key) {
  std::string message = error.message.substr(0, kMaxErrorMessage);
  std::string text = error.type.empty() ? message : error.type + ": " + message;
  return ScrubSecrets(text, key);
}

std::string AttemptsNote(int http_status, const std::optional<ProviderError>& error, int attempts) {
  if (attempts > 1) return " (after " + std::to_string(attempts) + " attempts)";
  if (IsPermanentHttpError(http_status, error)) return " (1 attempt: retrying cannot help)";
  return " (1 attempt)";
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '*' ||
         c == '.';
}

}  // namespace

bool CannotStreamTools(int http_status, const std::optional<ProviderError>& error) {
  return http_status >= 500 && error &&
         Lower(error->message).find("cannot use tools with stream") != std::string::npos;
}

bool IsPermanentHttpError(int http_status, const std::optional<ProviderError>& error) {
  return IsBillingError(http_status, error) || CannotStreamTools(http_status, error);
}

std::string RedactKeyShapes(std::string_view text) {
  static constexpr std::string_view kPrefixes[] = {"sk-ant-", "sk-proj-", "sk-or-", "sk-",
                                                   "xai-",    "gsk_",     "AIza",   "sk_"};
  constexpr size_t kMinBody = 8;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool at_word_start = i == 0 || !IsKeyChar(text[i - 1]);
    size_t end = i;
    if (at_word_start) {
      for (std::string_view prefix : kPrefixes) {
        if (text.substr(i, prefix.size()) != prefix) continue;
        size_t j = i + prefix.size();
        bool random_looking = false;  // Keys hold digits; masked echoes hold '*'.
        while (j < text.size() && IsKeyChar(text[j])) {
          random_looking =
              random_looking || std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '*';
          ++j;
        }
        while (j > i + prefix.size() && text[j - 1] == '.') --j;  // A sentence's full stop.
        if (random_looking && j - i - prefix.size() >= kMinBody) end = j;
        break;
      }
    }
    if (end > i) {
      out += "[REDACTED]";
      i = end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

Status HttpErrorStatus(const ModelSpec& spec, const std::string& url, int http_status,
                       const std::optional<ProviderError>& error, std::string_view content_type,
                       std::string_view body, int attempts) {
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
  return Status(code, text + AttemptsNote(http_status, error, attempts));
}

Status StreamErrorStatus(const ModelSpec& spec, const ProviderError& error) {
  std::string type = Lower(error.type);
  bool transient =
      type.find("overloaded") != std::string::npos ||
      type.find("rate_limit") != std::string::npos || type.find("api_error") != std::string::npos ||
      type.find("server") != std::string::npos || type.find("timeout") != std::string::npos ||
      // Gemini's google.rpc statuses.
      type == "unavailable" || type == "resource_exhausted" || type == "internal" ||
      type == "deadline_exceeded";
  std::string text = spec.provider + ": " + Describe(error, spec.api_key);
  // Billing (OpenAI's insufficient_quota, also sent mid-stream): retrying cannot help.
  if (type == "insufficient_quota") return ResourceExhaustedError(text);
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
  return RedactKeyShapes(RedactSecrets(out));
}

std::string ScrubSecrets(std::string_view text, std::string_view key) {
  std::string out = RedactKeyShapes(RedactSecrets(text));
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
