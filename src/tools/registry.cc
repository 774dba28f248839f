#include "tools/registry.h"

#include <exception>

#include "base/secrets.h"
#include "tools/schema.h"

namespace mh::tools {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string Prefixed(std::string_view name, const std::string& message) {
  return std::string(name) + ": " + message;
}

// Redacts secrets, and names the tool at the start of an error so the model knows
// which call of several failed.
ToolResult Finished(std::string_view name, ToolResult result) {
  if (result.is_error && result.text.rfind(std::string(name) + ": ", 0) != 0) {
    result.text = Prefixed(name, result.text);
  }
  result.text = RedactSecrets(result.text);
  result.summary = RedactSecrets(result.summary);
  result.question = RedactSecrets(result.question);
  return result;
}

}  // namespace

Status ToolRegistry::Register(std::unique_ptr<Tool> tool) {
  if (tool == nullptr) return InvalidArgumentError("no tool given");
  if (!ValidName(tool->name())) {
    return InvalidArgumentError("invalid tool name '" + tool->name() + "': use [a-z0-9_]+");
  }
  const Json& params = tool->parameters();
  if (!params.is_object() || params.value("type", "") != "object") {
    return InvalidArgumentError(tool->name() + ": parameters must be a schema of type object");
  }
  if (Find(tool->name()) != nullptr) {
    return AlreadyExistsError("a tool named '" + tool->name() + "' is already registered");
  }
  tools_.push_back(std::move(tool));
  return Status::Ok();
}

const Tool* ToolRegistry::Find(std::string_view name) const {
  for (const auto& tool : tools_) {
    if (tool->name() == name) return tool.get();
  }
  return nullptr;
}

std::vector<std::string> ToolRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& tool : tools_) names.push_back(tool->name());
  return names;
}

Json ToolRegistry::Describe() const {
  Json out = Json::array();
  for (const auto& tool : tools_) {
    out.push_back({{"name", tool->name()},
                   {"description", tool->description()},
                   {"parameters", tool->parameters()}});
  }
  return out;
}

ToolResult ToolRegistry::Call(std::string_view name, std::string_view raw_args,
                              ToolContext& ctx) const {
  Json args = Json::object();
  size_t first = raw_args.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos) {
    Result<Json> parsed = ParseJson(raw_args);
    if (!parsed.ok()) {
      return ToolResult::Error(Prefixed(name, "the arguments are not valid JSON (" +
                                                  parsed.error().message() +
                                                  "); send one JSON object"));
    }
    args = std::move(*parsed);
  }
  return CallJson(name, args, ctx);
}

ToolResult ToolRegistry::CallJson(std::string_view name, const Json& args, ToolContext& ctx) const {
  const Tool* tool = Find(name);
  if (tool == nullptr) {
    std::string names;
    for (const std::string& n : Names()) names += (names.empty() ? "" : ", ") + n;
    return ToolResult::Error("unknown tool '" + std::string(name) + "'; available tools: " + names);
  }
  Status valid = ValidateAgainstSchema(tool->parameters(), args);
  if (!valid.ok()) return ToolResult::Error(Prefixed(name, valid.message()));
  try {
    return Finished(name, tool->Run(args, ctx));
  } catch (const std::exception& e) {
    return ToolResult::Error(
        Prefixed(name, RedactSecrets(std::string("internal error: ") + e.what())));
  } catch (...) {
    return ToolResult::Error(Prefixed(name, "internal error"));
  }
}

}  // namespace mh::tools
