// Processes: run a command from an argv vector with an explicit environment, a
// time limit, resource limits and bounded output, and leave nothing behind.
//
// ProcessRunner is the interface the upper layers (tools, gates) depend on, so they
// can be tested with a fake; CreateProcessRunner() builds the real one.
//
// Containment of the real runner:
//  - the child gets its own process group (setpgid) and, when cgroup v1 is writable
//    (see cgroup.h), its own pids/memory cgroup;
//  - when the command exits, or its time limit runs out, every process in its group
//    and in its cgroup is SIGKILLed, so a `cmd &` or setsid() daemon does not outlive
//    it. Without writable cgroups (degraded mode, logged as a warning when the runner
//    is created and visible in RealProcessRunner::cgroups_enabled()) only the process
//    group is killed: a daemon that calls setsid() escapes it (the sandbox's PID
//    namespace still catches it), and memory/process limits fall back to rlimits.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace mh::sandbox {

// Limits on a command and everything it starts; 0 means no limit.
// How each is enforced by the real runner:
//   max_processes   cgroup pids.max; fallback RLIMIT_NPROC (per uid, not enforced
//                   for root, so effectively none when running as root).
//   memory_bytes    cgroup memory.limit_in_bytes (+memsw); the kernel OOM-kills
//                   inside the group. Fallback RLIMIT_AS per process.
//   cpu_seconds     RLIMIT_CPU per process (SIGXCPU, then SIGKILL).
//   file_size_bytes RLIMIT_FSIZE per process (writes beyond it fail with EFBIG).
struct ResourceLimits {
  uint64_t max_processes = 0;
  uint64_t memory_bytes = 0;
  uint64_t cpu_seconds = 0;
  uint64_t file_size_bytes = 0;
};

// A directory shown to a command that runs as another user (RunAs): `source` (a host
// path) is cloned as a mount at `<stage_dir>/<name>` in the command's own mount
// namespace, with what our effective uid and gid own shown as owned by RunAs's uid and
// gid (an idmapped mount: what the command creates there is owned by us on disk).
struct StagedMount {
  std::string source;
  std::string name;  // A single path component.
  bool read_only = false;
};

// Runs the command as an unprivileged host user instead of as us. Only for a runner
// whose effective uid is 0 (the sandbox uses it when Macrohard runs as root). In the
// child, before exec: a private mount namespace, a fresh tmpfs on `stage_dir` (an
// existing empty directory that `uid` can reach), the `mounts` staged there, every
// supplementary group dropped, gid and uid set, and no_new_privs.
struct RunAs {
  uint32_t uid = 0;  // 0: run as we are.
  uint32_t gid = 0;
  std::string stage_dir;
  std::vector<StagedMount> mounts;
};

// A file the child opens read-only as descriptor `fd` before exec, for programs that
// take data by descriptor (bwrap's --seccomp FD). `path` is opened in the child, so
// /proc/self/fd/N of one of our close-on-exec descriptors gets an offset of its own.
struct ChildFile {
  std::string path;
  int fd = -1;  // 3 or more.
};

struct ProcessSpec {
  // argv[0] is a path, or a name looked up in the PATH of `env` (never ours).
  std::vector<std::string> argv;
  // "NAME=value" entries: the whole environment of the command. The parent's
  // environment is never passed on.
  std::vector<std::string> env;
  std::string cwd;         // Working directory; empty keeps the runner's.
  std::string stdin_text;  // Given on stdin, then end of file; empty means /dev/null.
  std::chrono::milliseconds time_limit{60'000};  // Wall clock; must be positive.
  // Each stream keeps its first head and last tail bytes; the cut is marked with
  // ElisionMarker() ("[... N bytes elided ...]").
  size_t output_head_bytes = 32 * 1024;
  size_t output_tail_bytes = 32 * 1024;
  // When true, stderr goes to the same pipe as stdout (interleaved as written) and
  // ProcessResult::stderr_text stays empty.
  bool merge_stderr = false;
  ResourceLimits limits;
  RunAs run_as;
  std::vector<ChildFile> child_files;
};

struct ProcessResult {
  int exit_code = -1;      // The exit status when the command exited; -1 otherwise.
  int term_signal = 0;     // The signal that killed it, or 0.
  bool timed_out = false;  // The time limit ran out and the runner killed it.
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  uint64_t stdout_bytes = 0;  // Total bytes written, kept or not.
  uint64_t stderr_bytes = 0;
  // From the cgroup when there is one (see ResourceLimits).
  bool memory_limit_hit = false;
  bool process_limit_hit = false;
  uint64_t peak_memory_bytes = 0;
  std::chrono::nanoseconds duration{0};  // Start to exit.

  bool ok() const { return !timed_out && term_signal == 0 && exit_code == 0; }
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;

  // Runs the command to completion (or its time limit) and returns how it ended.
  // A non-zero exit, a signal or a time-out is a result, not an error. Errors:
  // kInvalidArgument (empty argv, non-positive time limit), kNotFound (the program
  // is not in PATH or not executable, or cwd does not exist), kInternal (pipes,
  // fork, cgroup). Thread-safe: several threads may Run() at once.
  virtual Result<ProcessResult> Run(const ProcessSpec& spec) = 0;
};

struct ProcessRunnerOptions {
  std::string cgroup_root = "/sys/fs/cgroup";
  bool use_cgroups = true;       // False forces degraded mode (for tests).
  bool require_cgroups = false;  // Refuse to start without writable cgroups.
};

// The real runner: fork/exec, poll on the pipes and a pidfd, cgroup per run.
class RealProcessRunner final : public ProcessRunner {
 public:
  // Errors: kFailedPrecondition when require_cgroups and cgroup v1 pids or memory
  // is not writable.
  static Result<std::unique_ptr<RealProcessRunner>> Create(
      const ProcessRunnerOptions& options = {});

  Result<ProcessResult> Run(const ProcessSpec& spec) override;

  // True when each run gets its own pids and memory cgroup.
  bool cgroups_enabled() const;

 private:
  struct Prepared;

  explicit RealProcessRunner(std::string pids_parent, std::string memory_parent);
  Result<std::unique_ptr<Prepared>> Prepare(const ProcessSpec& spec) const;

  std::string pids_parent_;    // Empty when the pids controller is not usable.
  std::string memory_parent_;  // Empty when the memory controller is not usable.
};

// Looks up `name` in the PATH entry of `env` ("PATH=a:b"); a name with a '/' is
// returned as is when executable. Errors: kNotFound.
Result<std::string> ResolveProgram(const std::string& name, const std::vector<std::string>& env);

}  // namespace mh::sandbox
