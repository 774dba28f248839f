// SpawnChild: start (clone with CLONE_VM, like vfork) and exec one command with its fds, cwd,
// process group, cgroups and rlimits set up in the child before exec. Internal to the sandbox
// layer.
//
// Everything the child needs is prepared by the caller, because between fork and
// exec the child of a multi-threaded process may only make async-signal-safe calls.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/child_setup.h"

namespace mh::sandbox {

struct RlimitSetting {
  int resource;  // RLIMIT_CPU, ...
  rlim_t value;  // Soft and hard limit (CPU: the hard limit is one second more).
};

struct SpawnRequest {
  std::string path;                       // Resolved program path.
  std::vector<std::string> argv;          // Passed as is, argv[0] included.
  std::vector<std::string> env;           // The whole environment.
  std::string cwd;                        // Empty: unchanged.
  int stdin_fd = -1;                      // Becomes fd 0.
  int stdout_fd = -1;                     // Becomes fd 1.
  int stderr_fd = -1;                     // Becomes fd 2.
  std::vector<std::string> cgroup_procs;  // cgroup.procs files to join.
  std::vector<RlimitSetting> rlimits;
  ChildSetup setup;  // RunAs and ChildFiles.
};

// Returns the child's pid once it has exec'd (the child runs in its own process
// group, pgid == pid). Errors: kNotFound when cwd, the program or a file is missing,
// kPermissionDenied when exec is refused, kFailedPrecondition when an isolation step is
// refused (e.g. a file system without idmapped mounts), kInternal for anything else.
Result<pid_t> SpawnChild(const SpawnRequest& request);

}  // namespace mh::sandbox
