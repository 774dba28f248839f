#include "testing/llm_request.h"

#include <string_view>

namespace mh::testing {
namespace {

bool IsString(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string();
}

std::string GetString(const Json& obj, std::string_view key) {
  return IsString(obj, key) ? obj.find(key)->get<std::string>() : std::string();
}

// Text of a content field: a string, or an array of blocks with "text" (or nested
// "content", as Anthropic tool_result blocks have).
std::string ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const Json& block : content) {
    if (block.is_string()) out += block.get<std::string>();
    if (!block.is_object()) continue;
    out += GetString(block, "text");
    if (auto it = block.find("content"); it != block.end()) out += ContentText(*it);
    if (auto it = block.find("input"); it != block.end() && it->is_object()) out += it->dump();
    if (auto it = block.find("output"); it != block.end()) out += ContentText(*it);
  }
  return out;
}

void Append(LlmRequest& r, const std::string& text) {
  if (text.empty()) return;
  if (!r.all_text.empty()) r.all_text += '\n';
  r.all_text += text;
}

void ReadChat(const Json& body, LlmRequest& r) {
  if (auto so = body.find("stream_options"); so != body.end() && so->is_object()) {
    auto iu = so->find("include_usage");
    r.include_usage = iu != so->end() && iu->is_boolean() && iu->get<bool>();
  }
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
    for (const Json& t : *tools) {
      if (!t.is_object()) continue;
      auto fn = t.find("function");
      std::string name = fn != t.end() && fn->is_object() ? GetString(*fn, "name") : "";
      if (name.empty()) name = GetString(t, "name");
      if (!name.empty()) r.tools.push_back(name);
    }
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return;
  for (const Json& m : *messages) {
    if (!m.is_object()) continue;
    ++r.messages;
    if (GetString(m, "role") == "tool") ++r.tool_results;
    bool calls_tools =
        m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty();
    if (!GetString(m, "reasoning_content").empty()) ++r.reasoning_back;
    if (calls_tools && GetString(m, "reasoning_content").empty() && r.turn_without_reasoning < 0) {
      r.turn_without_reasoning = r.messages - 1;
    }
    std::string text = m.contains("content") ? ContentText(m["content"]) : "";
    if (auto calls = m.find("tool_calls"); calls != m.end()) text += calls->dump();
    Append(r, text);
    r.last_text = text;
  }
}

// Ollama's /api/chat: Chat Completions' messages and tools, arguments as objects, tool
// results naming their tool; streaming unless `stream` is false; options.num_ctx.
void ReadOllama(const Json& body, LlmRequest& r) {
  auto stream = body.find("stream");
  r.stream = stream == body.end() || !stream->is_boolean() || stream->get<bool>();
  if (auto options = body.find("options"); options != body.end() && options->is_object()) {
    auto num_ctx = options->find("num_ctx");
    if (num_ctx != options->end() && num_ctx->is_number_integer()) r.num_ctx = *num_ctx;
  }
  ReadChat(body, r);
  r.turn_without_reasoning = -1;  // Ollama needs no reasoning back.
}

void ReadResponses(const Json& body, LlmRequest& r) {
  Append(r, GetString(body, "instructions"));
  if (auto include = body.find("include"); include != body.end() && include->is_array()) {
    for (const Json& what : *include) {
      if (what == "reasoning.encrypted_content") r.include_encrypted_reasoning = true;
    }
  }
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
    for (const Json& t : *tools) {
      if (!t.is_object()) continue;
      std::string name = GetString(t, "name");
      r.tools.push_back(name.empty() ? GetString(t, "type") : name);
    }
  }
  auto input = body.find("input");
  if (input == body.end()) return;
  if (input->is_string()) {
    r.messages = 1;
    r.last_text = input->get<std::string>();
    Append(r, r.last_text);
    return;
  }
  if (!input->is_array()) return;
  bool reasoned = false;  // A reasoning item since the last user message or tool output.
  for (const Json& item : *input) {
    if (!item.is_object()) continue;
    ++r.messages;
    std::string type = GetString(item, "type");
    std::string role = GetString(item, "role");
    if (type == "function_call_output" || type == "custom_tool_call_output") ++r.tool_results;
    if (type == "reasoning" && !GetString(item, "encrypted_content").empty()) {
      ++r.reasoning_back;
      reasoned = true;
    }
    if (type == "function_call" && !reasoned && r.turn_without_reasoning < 0) {
      r.turn_without_reasoning = r.messages - 1;
    }
    if (type.ends_with("_output") || role == "user") reasoned = false;
    std::string text;
    if (item.contains("content")) text = ContentText(item["content"]);
    if (item.contains("output")) text += ContentText(item["output"]);
    text += GetString(item, "arguments") + GetString(item, "input");
    Append(r, text);
    r.last_text = text;
  }
}

void ReadAnthropic(const Json& body, LlmRequest& r) {
  if (auto system = body.find("system"); system != body.end()) Append(r, ContentText(*system));
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
    for (const Json& t : *tools) {
      if (t.is_object() && IsString(t, "name")) r.tools.push_back(GetString(t, "name"));
    }
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return;
  for (const Json& m : *messages) {
    if (!m.is_object()) continue;
    ++r.messages;
    auto content = m.find("content");
    if (content == m.end()) continue;
    if (content->is_array()) {
      bool uses_tool = false;
      for (const Json& block : *content) {
        if (block.is_object() && GetString(block, "type") == "tool_result") ++r.tool_results;
        if (block.is_object() && (GetString(block, "type") == "thinking" ||
                                  GetString(block, "type") == "redacted_thinking")) {
          ++r.reasoning_back;
        }
        uses_tool = uses_tool || (block.is_object() && GetString(block, "type") == "tool_use");
      }
      const Json* first = content->empty() ? nullptr : &(*content)[0];
      bool thinking_first =
          first != nullptr && first->is_object() &&
          ((GetString(*first, "type") == "thinking" && !GetString(*first, "signature").empty()) ||
           GetString(*first, "type") == "redacted_thinking");
      if (uses_tool && !thinking_first && r.turn_without_reasoning < 0) {
        r.turn_without_reasoning = r.messages - 1;
      }
    }
    std::string text = ContentText(*content);
    Append(r, text);
    r.last_text = text;
  }
}

// Gemini: functionCall / functionResponse parts read as text too, so `contains` can match
// a tool's name or result.
std::string GeminiPartsText(const Json& parts) {
  std::string out;
  if (!parts.is_array()) return out;
  for (const Json& part : parts) {
    if (!part.is_object()) continue;
    auto thought = part.find("thought");
    if (thought != part.end() && thought->is_boolean() && thought->get<bool>()) continue;
    out += GetString(part, "text");
    for (const char* key : {"functionCall", "functionResponse"}) {
      if (auto it = part.find(key); it != part.end()) out += it->dump();
    }
  }
  return out;
}

void ReadGemini(const Json& body, LlmRequest& r) {
  if (auto system = body.find("systemInstruction"); system != body.end() && system->is_object()) {
    if (auto parts = system->find("parts"); parts != system->end()) {
      Append(r, GeminiPartsText(*parts));
    }
  }
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
    for (const Json& t : *tools) {
      auto decls = t.is_object() ? t.find("functionDeclarations") : t.end();
      if (!t.is_object() || decls == t.end() || !decls->is_array()) continue;
      for (const Json& d : *decls) {
        if (d.is_object() && IsString(d, "name")) r.tools.push_back(GetString(d, "name"));
      }
    }
  }
  auto contents = body.find("contents");
  if (contents == body.end() || !contents->is_array()) return;
  for (const Json& c : *contents) {
    if (!c.is_object()) continue;
    ++r.messages;
    auto parts = c.find("parts");
    if (parts == c.end() || !parts->is_array()) continue;
    bool first_call = true;
    for (const Json& part : *parts) {
      if (!part.is_object()) continue;
      std::string signature = GetString(part, "thoughtSignature");
      if (!signature.empty()) r.thought_signatures.push_back(signature);
      if (part.contains("functionResponse")) ++r.tool_results;
      // Gemini 3 wants the signature on the first functionCall part of a model turn.
      if (part.contains("functionCall") && first_call) {
        first_call = false;
        if (signature.empty() && r.turn_without_reasoning < 0) {
          r.turn_without_reasoning = r.messages - 1;
        }
      }
    }
    std::string text = GeminiPartsText(*parts);
    Append(r, text);
    r.last_text = text;
  }
}

}  // namespace

Result<LlmRequest> ReadLlmRequest(Protocol protocol, const Json& body, size_t bytes) {
  if (!body.is_object()) return InvalidArgumentError("request body must be a JSON object");
  LlmRequest r;
  r.protocol = protocol;
  r.bytes = bytes;
  r.model = GetString(body, "model");
  auto stream = body.find("stream");
  r.stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  for (const char* key : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    auto limit = body.find(key);
    if (limit != body.end() && limit->is_number_integer()) r.max_tokens = limit->get<int64_t>();
  }
  switch (protocol) {
    case Protocol::kChat:
      ReadChat(body, r);
      break;
    case Protocol::kResponses:
      ReadResponses(body, r);
      break;
    case Protocol::kAnthropic:
      ReadAnthropic(body, r);
      break;
    case Protocol::kGemini:
      ReadGemini(body, r);
      break;
    case Protocol::kOllama:
      ReadOllama(body, r);
      break;
  }
  return r;
}

bool Matches(const TurnMatch& when, const LlmRequest& request) {
  if (when.protocol && *when.protocol != request.protocol) return false;
  if (when.tool_results && *when.tool_results != request.tool_results) return false;
  if (when.min_tool_results && request.tool_results < *when.min_tool_results) return false;
  if (when.contains && request.all_text.find(*when.contains) == std::string::npos) return false;
  if (when.last_contains && request.last_text.find(*when.last_contains) == std::string::npos) {
    return false;
  }
  if (when.no_tools && *when.no_tools != request.tools.empty()) return false;
  if (when.stream && *when.stream != request.stream) return false;
  if (when.offers_tool) {
    bool offered = false;
    for (const std::string& t : request.tools) offered = offered || t == *when.offers_tool;
    if (!offered) return false;
  }
  return true;
}

}  // namespace mh::testing
