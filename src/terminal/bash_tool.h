// The `bash` tool: a persistent shell for the session (bash_session.h), in the
// session's sandbox. Arguments: command (required), timeout (seconds; default and
// maximum from ToolLimits), restart (start a fresh shell first). The result says the
// exit code, or that the command timed out and was interrupted, or that the shell
// was restarted (cwd and variables reset); output keeps its head and tail.
// The shell is the session resource kBashResource, started on first use.
// Thread-safe (stateless; state lives in the context).
#pragma once

#include <memory>

#include "tools/tool.h"

namespace mh::terminal {

inline constexpr const char* kBashResource = "bash";

std::unique_ptr<tools::Tool> NewBashTool();

}  // namespace mh::terminal
