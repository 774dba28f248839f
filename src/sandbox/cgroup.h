// Cgroup: a per-run cgroup v1 group (pids and memory controllers) that contains a
// command and everything it forks, limits them, and kills them all at the end.
//
// Each run gets `<own cgroup>/mh-<pid>-<n>` under each available controller, nested
// in the cgroup this process already lives in, so limits set on us still apply.
// Processes that setsid() or double-fork away stay in the group, which is why the
// runner kills through the cgroup and not only through the process group.
//
// Thread-safety: a Cgroup is used by one thread. Probing is thread-safe.
// Ownership: the destructor kills what is left and removes the directories.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace mh::sandbox {

// Which cgroup v1 controllers this process may create groups under.
struct CgroupSupport {
  std::string pids_parent;    // Empty when the pids controller is not writable.
  std::string memory_parent;  // Empty when the memory controller is not writable.
};

// Finds our own cgroup under /sys/fs/cgroup/{pids,memory} (or `root`) and checks
// that a child group can be created there. Never fails: missing parts are empty.
CgroupSupport ProbeCgroups(const std::string& root = "/sys/fs/cgroup");

// What a run's cgroup counted, read after the run.
struct CgroupStats {
  uint64_t peak_memory_bytes = 0;  // memory.max_usage_in_bytes; 0 without memory.
  bool memory_limit_hit = false;   // The kernel OOM-killed a process in the group.
  bool process_limit_hit = false;  // A fork failed because of pids.max.
};

class Cgroup {
 public:
  // Creates the groups and sets the limits (0 = no limit). Errors: kInternal when
  // a directory or a limit file cannot be written.
  static Result<Cgroup> Create(const CgroupSupport& support, uint64_t max_processes,
                               uint64_t memory_bytes);

  Cgroup(Cgroup&& other) noexcept;
  Cgroup& operator=(Cgroup&& other) noexcept;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup();

  // Paths of the cgroup.procs files; a child writes "<pid>" to each before exec.
  const std::string& pids_procs() const { return pids_procs_; }
  const std::string& memory_procs() const { return memory_procs_; }

  // Stops further forks and SIGKILLs every process in the group until it is empty.
  // Bounded: gives up after ~2 s of stragglers (processes in uninterruptible sleep).
  void KillAll();

  CgroupStats Stats() const;

 private:
  Cgroup() = default;
  void Remove();

  std::string pids_dir_;
  std::string memory_dir_;
  std::string pids_procs_;
  std::string memory_procs_;
};

}  // namespace mh::sandbox
