// The built-in coding tools. Each factory returns a new, stateless tool; docs/tools.md
// describes every tool's arguments, results and limits for users.
#pragma once

#include <memory>

#include "base/status.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::tools {

std::unique_ptr<Tool> MakeReadFileTool();    // read_file {path, offset?, limit?}
std::unique_ptr<Tool> MakeWriteFileTool();   // write_file {path, content}
std::unique_ptr<Tool> MakeEditFileTool();    // edit_file {path, old_text, new_text, replace_all?}
std::unique_ptr<Tool> MakeListFilesTool();   // list_files {path?, depth?}
std::unique_ptr<Tool> MakeFindFilesTool();   // find_files {pattern, path?}
std::unique_ptr<Tool> MakeSearchTool();      // search {pattern, path?, glob?, ...}
std::unique_ptr<Tool> MakeRunCommandTool();  // run_command {command, timeout?}
std::unique_ptr<Tool> MakeSubmitTool();      // submit {summary}
std::unique_ptr<Tool> MakeAskForHelpTool();  // ask_for_help {question}

// Registers all of the above in that order. Errors: as ToolRegistry::Register (a
// name already taken).
Status RegisterBuiltinTools(ToolRegistry& registry);

}  // namespace mh::tools
