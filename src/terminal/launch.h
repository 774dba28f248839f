// Launch: how a terminal program of a session is started, inside the session's
// sandbox when it has one.
//
// When the context's command runner is a sandbox::SandboxedRunner, the program runs
// under that sandbox's bubblewrap (worktree writable at its mount point, no network,
// the sandbox's limits as rlimits); with any other runner (`--no-sandbox`), directly
// on the host in the worktree. Either way it starts as `setsid -w -c PROGRAM...`, so
// the program is a session leader with the pty as its controlling terminal.
// With no command runner at all, nothing may run: kFailedPrecondition.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "terminal/pty_process.h"
#include "tools/tool.h"

namespace mh::terminal {

struct LaunchRequest {
  std::vector<std::string> argv;
  // Extra NAME=value entries on top of the sandbox's default environment (PATH,
  // HOME=/tmp, LANG); an entry replaces a default of the same name.
  std::vector<std::string> env;
  int rows = 24;
  int cols = 80;
  bool raw = false;
};

// Errors: kFailedPrecondition (no command runner), kInvalidArgument (empty argv).
Result<PtyOptions> PrepareLaunch(const LaunchRequest& request, tools::ToolContext& ctx);

// The working directory the program sees: the mount point, or the worktree root.
std::string ProgramCwd(const tools::ToolContext& ctx);

}  // namespace mh::terminal
