// Tool sets: which tools a registry holds, for `macrohard tool` and for agent sessions.
#pragma once

#include "base/status.h"
#include "tools/registry.h"

namespace mh::cli {

// The coding tools (files, search, run_command, submit, ask_for_help), the persistent
// `bash` and `terminal` tools, and the `computer` desktop tool. Errors only on a broken
// tool definition (a programming error surfaced as a Status).
Status RegisterAllTools(tools::ToolRegistry& registry);

}  // namespace mh::cli
