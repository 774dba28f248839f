// The `terminal` tool: persistent terminal sessions (pty_session.h) for the agent,
// inside the session's sandbox.
//
// Actions: start {command | argv, cols, rows, name}, send {text, keys[]}, read
// {scrollback}, wait {until_text | until_regex | quiet_ms, timeout}, resize {cols,
// rows}, close, list. Sessions are session resources named "terminal:<name>" (name
// defaults to "main") and live until closed or the context dies. start, send, wait
// and resize return the screen: a header line with the size, the cursor and whether
// the program still runs, then the visible rows. docs/terminal.md has the details.
// Thread-safe (stateless; state lives in the context).
#pragma once

#include <memory>

#include "tools/tool.h"

namespace mh::terminal {

inline constexpr const char* kTerminalResourcePrefix = "terminal:";

std::unique_ptr<tools::Tool> NewTerminalTool();

}  // namespace mh::terminal
