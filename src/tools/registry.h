// ToolRegistry: the tools a session may use, and the one code path by which an agent
// (or `macrohard tool call`) calls one.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "tools/tool.h"

namespace mh::tools {

class ToolRegistry {
 public:
  // Adds `tool`. Errors: kAlreadyExists for a second tool of the same name;
  // kInvalidArgument for a name that is not [a-z0-9_]+ or parameters that are not a
  // schema of type object.
  Status Register(std::unique_ptr<Tool> tool);

  // The tool called `name`, or nullptr.
  const Tool* Find(std::string_view name) const;
  // In order of registration.
  const std::vector<std::unique_ptr<Tool>>& tools() const { return tools_; }
  std::vector<std::string> Names() const;
  // [{"name", "description", "parameters"}...] in order of registration.
  Json Describe() const;

  // Calls `name` with the arguments the model sent as text (empty text means {}).
  // Never fails and never throws: an unknown tool (the message lists the valid names),
  // argument text that is not JSON, arguments that do not match the schema, and any
  // exception inside the tool become results with is_error set. Every error text
  // starts with the tool name ("edit_file: missing required argument 'old_text'").
  // Registered secrets are redacted from the result text. Thread-safe when the
  // context is not shared between threads.
  ToolResult Call(std::string_view name, std::string_view raw_args, ToolContext& ctx) const;
  // The same with arguments already parsed.
  ToolResult CallJson(std::string_view name, const Json& args, ToolContext& ctx) const;

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

}  // namespace mh::tools
