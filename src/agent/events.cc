#include "agent/events.h"

#include <array>
#include <cstdio>

namespace mh::agent::events {
namespace {

Result<llm::Role> RoleFromName(std::string_view name) {
  for (llm::Role role :
       {llm::Role::kSystem, llm::Role::kUser, llm::Role::kAssistant, llm::Role::kTool}) {
    if (llm::RoleName(role) == name) return role;
  }
  return DataLossError("unknown message role '" + std::string(name) + "' in a recorded event");
}

Json ToolCallToJson(const llm::ToolCall& call) {
  Json json = {{"id", call.id}, {"name", call.name}, {"raw_arguments", call.raw_arguments}};
  if (!call.arguments_ok()) json["parse_error"] = call.parse_error;
  return json;
}

llm::ToolCall ToolCallFromJson(const Json& json) {
  llm::ToolCall call;
  call.id = json.at("id").get<std::string>();
  call.name = json.at("name").get<std::string>();
  call.raw_arguments = json.at("raw_arguments").get<std::string>();
  // Parsing again gives the same arguments and the same error the model's text gave.
  llm::ParseToolArguments(call);
  return call;
}

}  // namespace

Json MessageToJson(const llm::Message& message) {
  Json parts = Json::array();
  for (const llm::ContentPart& part : message.parts) {
    if (part.is_text()) {
      parts.push_back({{"text", part.text}});
    } else {
      parts.push_back({{"media_type", part.image.media_type}, {"base64", part.image.base64_data}});
    }
  }
  Json json = {{"role", llm::RoleName(message.role)}, {"parts", std::move(parts)}};
  if (!message.tool_calls.empty()) {
    Json calls = Json::array();
    for (const llm::ToolCall& call : message.tool_calls) calls.push_back(ToolCallToJson(call));
    json["tool_calls"] = std::move(calls);
  }
  if (!message.reasoning.empty()) {
    Json reasoning = Json::array();
    for (const llm::Reasoning& r : message.reasoning) {
      Json item = {{"origin", r.origin}, {"text", r.text}};
      if (!r.signature.empty()) item["signature"] = r.signature;
      if (!r.redacted.empty()) item["redacted"] = r.redacted;
      if (!r.tool_call_id.empty()) item["tool_call_id"] = r.tool_call_id;
      if (!r.id.empty()) item["id"] = r.id;
      if (!r.encrypted.empty()) item["encrypted"] = r.encrypted;
      if (!r.summary.empty()) item["summary"] = r.summary;
      reasoning.push_back(std::move(item));
    }
    json["reasoning"] = std::move(reasoning);
  }
  if (!message.tool_call_id.empty()) json["tool_call_id"] = message.tool_call_id;
  if (message.is_error) json["is_error"] = true;
  return json;
}

Result<llm::Message> MessageFromJson(const Json& json) {
  try {
    llm::Message message;
    ASSIGN_OR_RETURN(message.role, RoleFromName(json.at("role").get<std::string>()));
    for (const Json& part : json.at("parts")) {
      if (part.contains("text")) {
        message.parts.push_back(llm::ContentPart::Text(part.at("text").get<std::string>()));
      } else {
        message.parts.push_back(llm::ContentPart::Image(part.at("media_type").get<std::string>(),
                                                        part.at("base64").get<std::string>()));
      }
    }
    if (auto it = json.find("tool_calls"); it != json.end()) {
      for (const Json& call : *it) message.tool_calls.push_back(ToolCallFromJson(call));
    }
    if (auto it = json.find("reasoning"); it != json.end() && it->is_array()) {
      for (const Json& r : *it) {
        message.reasoning.push_back({.origin = Field<std::string>(r, "origin", ""),
                                     .text = Field<std::string>(r, "text", ""),
                                     .signature = Field<std::string>(r, "signature", ""),
                                     .redacted = Field<std::string>(r, "redacted", ""),
                                     .tool_call_id = Field<std::string>(r, "tool_call_id", ""),
                                     .id = Field<std::string>(r, "id", ""),
                                     .encrypted = Field<std::string>(r, "encrypted", ""),
                                     .summary = Field<std::vector<std::string>>(r, "summary", {})});
      }
    }
    message.tool_call_id = Field<std::string>(json, "tool_call_id", "");
    message.is_error = Field<bool>(json, "is_error", false);
    return message;
  } catch (const Json::exception& e) {
    return DataLossError(std::string("recorded message is malformed: ") + e.what());
  }
}

Json UsageToJson(const llm::Usage& usage) {
  return {{"input_tokens", usage.input_tokens},
          {"output_tokens", usage.output_tokens},
          {"cache_read_tokens", usage.cache_read_tokens},
          {"cache_write_tokens", usage.cache_write_tokens},
          {"reasoning_tokens", usage.reasoning_tokens}};
}

llm::Usage UsageFromJson(const Json& json) {
  llm::Usage usage;
  usage.input_tokens = Field<int64_t>(json, "input_tokens", 0);
  usage.output_tokens = Field<int64_t>(json, "output_tokens", 0);
  usage.cache_read_tokens = Field<int64_t>(json, "cache_read_tokens", 0);
  usage.cache_write_tokens = Field<int64_t>(json, "cache_write_tokens", 0);
  usage.reasoning_tokens = Field<int64_t>(json, "reasoning_tokens", 0);
  return usage;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string Fingerprint(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
  return hex.data();
}

}  // namespace mh::agent::events
