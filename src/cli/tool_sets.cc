#include "cli/tool_sets.h"

#include "desktop/computer_tool.h"
#include "terminal/bash_tool.h"
#include "terminal/terminal_tool.h"
#include "tools/builtin_tools.h"

namespace mh::cli {

Status RegisterAllTools(tools::ToolRegistry& registry) {
  RETURN_IF_ERROR(tools::RegisterBuiltinTools(registry));
  RETURN_IF_ERROR(registry.Register(terminal::NewBashTool()));
  RETURN_IF_ERROR(registry.Register(terminal::NewTerminalTool()));
  return registry.Register(desktop::NewComputerTool());
}

}  // namespace mh::cli
