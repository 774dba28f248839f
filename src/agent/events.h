// The events a session records, and the conversion of its native types to and from their
// JSON payloads. Private to agent/; docs/agent.md describes each event for users.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "llm/types.h"

namespace mh::agent::events {

inline constexpr std::string_view kSessionStarted = "session_started";
inline constexpr std::string_view kSessionResumed = "session_resumed";
inline constexpr std::string_view kModelRequest = "model_request";
inline constexpr std::string_view kModelReply = "model_reply";
inline constexpr std::string_view kToolResult = "tool_result";
inline constexpr std::string_view kSessionEnded = "session_ended";
inline constexpr std::string_view kFeedback = "feedback";

Json MessageToJson(const llm::Message& message);
// Errors: kDataLoss naming what is missing or of the wrong type.
Result<llm::Message> MessageFromJson(const Json& json);

Json UsageToJson(const llm::Usage& usage);
llm::Usage UsageFromJson(const Json& json);

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);

// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint of a request.
std::string Fingerprint(std::string_view text);

// A field of an event payload, or `fallback` when absent or of another type.
template <typename T>
T Field(const Json& payload, const char* key, T fallback) {
  auto it = payload.find(key);
  if (it == payload.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

}  // namespace mh::agent::events
