// ChildSetup: what a child process does between fork and exec for the parts of a
// ProcessSpec beyond argv, environment and cwd: RunAs (a private mount namespace with
// the staged idmapped mounts, then an unprivileged uid/gid and no_new_privs) and
// ChildFiles (files opened at given descriptor numbers). Used by everything that starts
// processes: the process runner and the terminal's pty.
//
// Prepare() runs in the parent and does every allocation; Apply() runs in the child,
// which may share the parent's memory (vfork-like) and so makes only raw system calls.
// A prepared ChildSetup is a plain value; Apply() is const and may run in many children.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"

namespace mh::sandbox {

// Where Apply() failed, for Describe().
struct ChildSetupFailure {
  int step = 0;
  int index = 0;  // The mount or file at fault.
  int error = 0;  // errno.
};

class ChildSetup {
 public:
  ChildSetup() = default;

  // Checks and resolves `spec.run_as` and `spec.child_files`. Errors: kInvalidArgument
  // (a bad stage directory, mount or file), kPermissionDenied (RunAs when we are not
  // root), kInternal (no user namespace for the idmapped mounts).
  static Result<ChildSetup> Prepare(const ProcessSpec& spec);

  // In the child, before exec and after its own descriptors are in place. Moves
  // *error_fd clear of the files' descriptor numbers. Returns false with *failure filled
  // when a step fails.
  bool Apply(int* error_fd, ChildSetupFailure* failure) const;

  // The error for a failure Apply() reported: kFailedPrecondition when the file system
  // refused an idmapped mount, kNotFound for a missing source or file, else kInternal.
  Status Describe(const ChildSetupFailure& failure) const;

 private:
  bool Isolate(ChildSetupFailure* failure) const;
  bool OpenFiles(int* error_fd, ChildSetupFailure* failure) const;
  bool DropCredentials(ChildSetupFailure* failure) const;

  bool isolate_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int userns_fd_ = -1;  // Owned by the process-wide idmap cache.
  std::string stage_dir_;
  std::vector<std::string> sources_;
  std::vector<std::string> targets_;
  std::vector<char> read_only_;
  std::vector<char> is_dir_;
  std::vector<std::string> file_paths_;
  std::vector<int> file_fds_;
};

}  // namespace mh::sandbox
