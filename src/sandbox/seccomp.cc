#include "sandbox/seccomp.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                     CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME;

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

Status RuleError(const std::string& what, int rc) {
  return InternalError("seccomp rule for " + what + ": " + std::strerror(-rc));
}

// Adds a rule on every architecture of the filter; a call this kernel's headers do not
// know on some architecture is skipped there (it cannot be made).
Status Deny(scmp_filter_ctx ctx, const std::string& name, int error) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) return Status::Ok();
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), nr, 0);
  if (rc != 0 && rc != -EDOM) return RuleError(name, rc);
  return Status::Ok();
}

Status AddRules(scmp_filter_ctx ctx) {
  for (const std::string& name : SeccompDeniedSyscalls()) RETURN_IF_ERROR(Deny(ctx, name, EPERM));
  RETURN_IF_ERROR(Deny(ctx, "clone3", ENOSYS));
  // clone(flags, ...) with any namespace flag. One rule per flag: a rule's conditions
  // are all "and".
  for (uint64_t flag = 1; flag != 0; flag <<= 1) {
    if ((kNamespaceFlags & flag) == 0) continue;
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    if (rc != 0) return RuleError("clone", rc);
  }
  // The kernel reads ioctl's request as 32 bits: compare only those.
  for (uint64_t request : {uint64_t{TIOCSTI}, uint64_t{TIOCLINUX}}) {
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, request));
    if (rc != 0) return RuleError("ioctl", rc);
  }
  return Status::Ok();
}

Result<UniqueFd> Compile() {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (ctx == nullptr) return InternalError("seccomp_init failed");
  // 32-bit system calls have numbers of their own: the same rules for them.
  for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
    if (seccomp_arch_native() != SCMP_ARCH_X86_64) break;
    int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc != 0 && rc != -EEXIST) return RuleError("an architecture", rc);
  }
  RETURN_IF_ERROR(AddRules(ctx.get()));
  UniqueFd fd(memfd_create("mh-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return InternalError(std::string("memfd_create: ") + std::strerror(errno));
  int rc = seccomp_export_bpf(ctx.get(), fd.get());
  if (rc != 0) return RuleError("the export", rc);
  fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  return fd;
}

}  // namespace

const std::vector<std::string>& SeccompDeniedSyscalls() {
  static const std::vector<std::string> kDenied = {"init_module",
                                                   "finit_module",
                                                   "delete_module",
                                                   "create_module",
                                                   "kexec_load",
                                                   "kexec_file_load",
                                                   "reboot",
                                                   "swapon",
                                                   "swapoff",
                                                   "bpf",
                                                   "perf_event_open",
                                                   "userfaultfd",
                                                   "keyctl",
                                                   "add_key",
                                                   "request_key",
                                                   "mount",
                                                   "umount",
                                                   "umount2",
                                                   "pivot_root",
                                                   "open_tree",
                                                   "move_mount",
                                                   "fsopen",
                                                   "fsconfig",
                                                   "fsmount",
                                                   "fspick",
                                                   "mount_setattr",
                                                   "unshare",
                                                   "setns",
                                                   "open_by_handle_at",
                                                   "acct",
                                                   "quotactl",
                                                   "quotactl_fd",
                                                   "settimeofday",
                                                   "clock_settime",
                                                   "clock_adjtime",
                                                   "stime",
                                                   "syslog",
                                                   "iopl",
                                                   "ioperm",
                                                   "vhangup",
                                                   "uselib",
                                                   "nfsservctl",
                                                   "lookup_dcookie"};
  return kDenied;
}

}  // namespace mh::sandbox

namespace mh::sandbox {

Result<std::string> SeccompProgramPath() {
  // Compiled once per process; the descriptor lives as long as the process.
  static const Result<UniqueFd>* program = new Result<UniqueFd>(Compile());
  if (!program->ok()) return program->status();
  return "/proc/self/fd/" + std::to_string((*program)->get());
}

}  // namespace mh::sandbox
