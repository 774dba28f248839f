#include "llm/types.h"

namespace mh::llm {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

ContentPart ContentPart::Text(std::string text) {
  ContentPart part;
  part.kind = Kind::kText;
  part.text = std::move(text);
  return part;
}

ContentPart ContentPart::Image(std::string media_type, std::string base64_data) {
  ContentPart part;
  part.kind = Kind::kImage;
  part.image = ImageData{std::move(media_type), std::move(base64_data)};
  return part;
}

void ParseToolArguments(ToolCall& call) {
  call.parse_error.clear();
  call.arguments = Json::object();
  std::string_view raw = call.raw_arguments;
  if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  Result<Json> parsed = ParseJson(raw);
  if (!parsed.ok()) {
    call.parse_error = parsed.error().message();
    return;
  }
  if (!parsed->is_object()) {
    call.parse_error = "arguments must be a JSON object, got " + std::string(parsed->type_name());
    return;
  }
  call.arguments = std::move(parsed).value();
}

Message Message::System(std::string text) {
  Message m;
  m.role = Role::kSystem;
  m.parts.push_back(ContentPart::Text(std::move(text)));
  return m;
}

Message Message::User(std::string text) {
  Message m;
  m.role = Role::kUser;
  m.parts.push_back(ContentPart::Text(std::move(text)));
  return m;
}

Message Message::Assistant(std::string text, std::vector<ToolCall> calls) {
  Message m;
  m.role = Role::kAssistant;
  if (!text.empty()) m.parts.push_back(ContentPart::Text(std::move(text)));
  m.tool_calls = std::move(calls);
  return m;
}

Message Message::ToolResult(std::string tool_call_id, std::string text, bool is_error) {
  Message m;
  m.role = Role::kTool;
  m.tool_call_id = std::move(tool_call_id);
  m.parts.push_back(ContentPart::Text(std::move(text)));
  m.is_error = is_error;
  return m;
}

std::string Message::Text() const {
  std::string out;
  for (const ContentPart& part : parts) {
    if (part.is_text()) out += part.text;
  }
  return out;
}

std::string Message::ReasoningText() const {
  std::string out;
  for (const Reasoning& r : reasoning) {
    if (r.text.empty()) continue;
    if (!out.empty()) out += "\n\n";
    out += r.text;
  }
  return out;
}

bool Message::HasImages() const {
  for (const ContentPart& part : parts) {
    if (part.is_image()) return true;
  }
  return false;
}

Usage& Usage::operator+=(const Usage& other) {
  input_tokens += other.input_tokens;
  output_tokens += other.output_tokens;
  cache_read_tokens += other.cache_read_tokens;
  cache_write_tokens += other.cache_write_tokens;
  reasoning_tokens += other.reasoning_tokens;
  return *this;
}

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kEndTurn:
      return "end_turn";
    case StopReason::kToolUse:
      return "tool_use";
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kStopSequence:
      return "stop_sequence";
    case StopReason::kContentFilter:
      return "content_filter";
    case StopReason::kOther:
      return "other";
  }
  return "other";
}

}  // namespace mh::llm
