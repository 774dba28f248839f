// Sandbox: runs commands under bubblewrap over one worktree.
//
// Inside: the worktree read-write at a chosen mount point (default: its own path;
// /testbed for replays of SWE-bench runs), the system directories (/usr, /etc with
// shadow files masked, the /bin,/lib... links) read-only, a private /tmp, fresh
// /proc and /dev, no network (an empty network namespace) unless asked, new user,
// pid, ipc, uts and cgroup namespaces, no capabilities, a new session (no terminal
// injection), and only the environment given in the ProcessSpec. Nothing else of the
// host is visible: not /root, /home, /work, /var, /run, other worktrees or the store.
//
// When Macrohard runs as root, commands do not: they run as an unprivileged host user
// (host_uid/host_gid) with no_new_privs, so neither kernel knobs under /proc/sys nor
// root-only files are theirs, and setuid programs do not raise them. The worktree and
// the read-only binds are shown to that user through idmapped mounts: what we own
// appears as its own, and what it creates is owned by us on disk. Inside, it is named
// "agent" in /etc/passwd. Every command also runs under a seccomp filter (seccomp.h) and
// cannot make user namespaces (bwrap --disable-userns).
//
// The PID namespace's init is bwrap: when the command exits or is killed, the kernel
// kills every process left in the namespace, and --die-with-parent ties the whole
// sandbox to the runner's child. Limits (ResourceLimits) are applied by the inner
// ProcessRunner to bwrap and inherited by everything inside; the sandbox adds its own
// process overhead to max_processes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"

namespace mh::sandbox {

// The host user sandboxed commands run as when Macrohard runs as root: not in
// /etc/passwd on Debian, the "nonroot" user of distroless images.
inline constexpr uint32_t kDefaultSandboxUid = 65532;

struct SandboxBind {
  std::string source;  // Host path; must exist.
  std::string target;  // Absolute path inside.
  bool writable = false;
};

struct SandboxConfig {
  std::string worktree;     // Host directory, bound read-write. Must exist.
  std::string mount_point;  // Absolute path inside; empty means the worktree's path.
  bool network = false;     // Share the host network namespace.
  // Host paths bound read-only at the same path (toolchains, a git common dir).
  std::vector<std::string> extra_read_only;
  // Host paths bound at paths of their own, after the worktree (so a target may lie
  // inside it): a company's environment (environment.h).
  std::vector<SandboxBind> binds;
  // Directories put in front of the command's PATH (a company's installed tools).
  std::vector<std::string> path_prefix;
  // NAME=value entries that every command gets, over what its spec says.
  std::vector<std::string> env_overrides;
  // Applied to every command unless its ProcessSpec sets a limit itself.
  ResourceLimits default_limits{.max_processes = 256,
                                .memory_bytes = 2ull << 30,
                                .cpu_seconds = 600,
                                .file_size_bytes = 1ull << 30};
  std::string bwrap_path = "/usr/bin/bwrap";
  // When we run as root, commands run as this host user instead (see the file comment);
  // uid 0 keeps root, which hands every command our privileges: for debugging only.
  uint32_t host_uid = kDefaultSandboxUid;
  uint32_t host_gid = kDefaultSandboxUid;
  // Size of the private /tmp and of /var/tmp each (tmpfs, so memory).
  uint64_t tmp_bytes = 1ull << 30;
  // Where a root runner stages the binds for the sandbox user; empty: a directory of
  // our own under the system's temporary directory, made 0755 on first use.
  std::string stage_dir;
};

// Processes bwrap itself adds inside the limit: the outer bwrap and the namespace init.
inline constexpr uint64_t kSandboxProcessOverhead = 2;

class Sandbox {
 public:
  // Errors: kInvalidArgument (relative or empty paths), kNotFound (worktree or bwrap
  // missing).
  static Result<Sandbox> Create(SandboxConfig config);

  // The bwrap invocation that runs `spec` inside: spec.argv and spec.env are used
  // inside, spec.cwd is a path inside (empty: the mount point). Errors:
  // kInvalidArgument (empty argv, relative cwd).
  Result<ProcessSpec> Wrap(const ProcessSpec& spec) const;

  // The environment commands usually want inside: PATH, HOME=/tmp, LANG, TERM.
  std::vector<std::string> DefaultEnv() const;

  const SandboxConfig& config() const { return config_; }
  const std::string& mount_point() const { return config_.mount_point; }

 private:
  explicit Sandbox(SandboxConfig config) : config_(std::move(config)) {}
  // The bind sources the sandbox user can reach: staged copies when we are root.
  bool Privileged() const;
  std::vector<std::string> FilesystemArgs() const;
  Status AddIdentity(ProcessSpec& wrapped) const;

  SandboxConfig config_;
};

// A ProcessRunner that runs every spec inside `sandbox` through `inner`.
// Thread-safe when `inner` is. Does not own `inner`, which must outlive it.
class SandboxedRunner final : public ProcessRunner {
 public:
  SandboxedRunner(ProcessRunner& inner, Sandbox sandbox)
      : inner_(inner), sandbox_(std::move(sandbox)) {}

  Result<ProcessResult> Run(const ProcessSpec& spec) override;
  const Sandbox& sandbox() const { return sandbox_; }

 private:
  ProcessRunner& inner_;
  Sandbox sandbox_;
};

}  // namespace mh::sandbox
