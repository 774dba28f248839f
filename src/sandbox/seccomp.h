// The seccomp filter every sandboxed command runs under (bwrap --seccomp FD).
//
// It allows everything a build or a test needs and denies, with EPERM (ENOSYS for
// clone3, so that the C library falls back to clone, whose flags can be checked), what
// none does: kernel modules, kexec, reboot, swap, bpf, perf_event_open, the kernel
// keyring, mounting and namespaces (mount and the new mount API, pivot_root, unshare,
// setns, clone with namespace flags), open_by_handle_at, clock and quota changes, the
// kernel log, iopl/ioperm, and terminal injection (ioctl TIOCSTI, TIOCLINUX). The same
// rules hold for 32-bit (x86, x32) system calls. Internal to the sandbox layer.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace mh::sandbox {

// The names of the system calls the filter denies outright (clone's namespace flags and
// the two ioctls come on top), for documentation and tests.
const std::vector<std::string>& SeccompDeniedSyscalls();

// A path that opens the compiled filter (a sealed memfd of ours, as /proc/self/fd/N)
// with an offset of its own: open it once per command. Compiled on first use, then
// shared; thread-safe. Errors: kInternal (libseccomp refused a rule, or no memfd).
Result<std::string> SeccompProgramPath();

}  // namespace mh::sandbox
