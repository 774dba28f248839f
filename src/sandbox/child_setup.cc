#include "sandbox/child_setup.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/idmap.h"

namespace mh::sandbox {
namespace {

// Steps of Apply(), for the error message.
enum Step : int {
  kUnshare = 1,
  kPrivate,
  kStage,
  kTarget,
  kClone,
  kIdmap,
  kMove,
  kFile,
  kCredentials,
  kNoNewPrivs,
};

bool Fail(ChildSetupFailure* failure, int step, size_t index = 0) {
  failure->step = step;
  failure->index = static_cast<int>(index);
  failure->error = errno;
  return false;
}

bool SinglePathComponent(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// One per process: the user namespaces live as long as we do.
IdmapCache& SharedIdmaps() {
  static IdmapCache* cache = new IdmapCache();
  return *cache;
}

}  // namespace

Result<ChildSetup> ChildSetup::Prepare(const ProcessSpec& spec) {
  ChildSetup setup;
  for (const ChildFile& file : spec.child_files) {
    if (file.fd < 3 || file.path.empty()) {
      return InvalidArgumentError("a child file needs a path and a descriptor number of 3 or more");
    }
    setup.file_paths_.push_back(file.path);
    setup.file_fds_.push_back(file.fd);
  }
  const RunAs& run_as = spec.run_as;
  if (run_as.uid == 0) return setup;
  if (run_as.gid == 0) return InvalidArgumentError("RunAs needs a gid other than 0");
  if (run_as.stage_dir.empty() || run_as.stage_dir[0] != '/') {
    return InvalidArgumentError("RunAs needs an absolute stage directory");
  }
  setup.isolate_ = true;
  setup.uid_ = run_as.uid;
  setup.gid_ = run_as.gid;
  setup.stage_dir_ = run_as.stage_dir;
  for (const StagedMount& mount : run_as.mounts) {
    if (mount.source.empty() || mount.source[0] != '/' || !SinglePathComponent(mount.name)) {
      return InvalidArgumentError("a staged mount needs an absolute source and a plain name: '" +
                                  mount.source + "' as '" + mount.name + "'");
    }
    struct stat st {};
    if (stat(mount.source.c_str(), &st) != 0) {
      return NotFoundError("cannot show " + mount.source +
                           " to the sandbox: " + std::strerror(errno));
    }
    setup.sources_.push_back(mount.source);
    setup.targets_.push_back(run_as.stage_dir + "/" + mount.name);
    setup.read_only_.push_back(mount.read_only ? 1 : 0);
    setup.is_dir_.push_back(S_ISDIR(st.st_mode) ? 1 : 0);
  }
  ASSIGN_OR_RETURN(setup.userns_fd_, SharedIdmaps().Get(run_as.uid, run_as.gid));
  return setup;
}

bool ChildSetup::Apply(int* error_fd, ChildSetupFailure* failure) const {
  if (isolate_ && !Isolate(failure)) return false;
  if (!OpenFiles(error_fd, failure)) return false;
  // Last: once the credentials change, /proc/self/fd is no longer ours to open.
  return !isolate_ || DropCredentials(failure);
}

// Raw system calls only: glibc's credential wrappers would also try to change the
// threads of a parent whose memory this child shares.
bool ChildSetup::Isolate(ChildSetupFailure* failure) const {
  if (unshare(CLONE_NEWNS) != 0) return Fail(failure, kUnshare);
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Fail(failure, kPrivate);
  }
  if (mount("mh-stage", stage_dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") !=
      0) {
    return Fail(failure, kStage);
  }
  for (size_t i = 0; i < sources_.size(); ++i) {
    // A file is mounted on a file, a directory on a directory.
    if (is_dir_[i]) {
      if (mkdir(targets_[i].c_str(), 0755) != 0) return Fail(failure, kTarget, i);
    } else {
      int made = open(targets_[i].c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (made < 0) return Fail(failure, kTarget, i);
      close(made);
    }
    int tree = open_tree(AT_FDCWD, sources_[i].c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return Fail(failure, kClone, i);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (read_only_[i]) attr.attr_set |= MOUNT_ATTR_RDONLY;
    attr.userns_fd = static_cast<uint64_t>(userns_fd_);
    if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) != 0) {
      return Fail(failure, kIdmap, i);
    }
    if (move_mount(tree, "", AT_FDCWD, targets_[i].c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      return Fail(failure, kMove, i);
    }
    close(tree);
  }
  return true;
}

bool ChildSetup::OpenFiles(int* error_fd, ChildSetupFailure* failure) const {
  if (file_fds_.empty()) return true;
  int highest = 2;
  for (int fd : file_fds_) highest = fd > highest ? fd : highest;
  if (*error_fd >= 0 && *error_fd <= highest) {
    int moved = fcntl(*error_fd, F_DUPFD_CLOEXEC, highest + 1);
    if (moved < 0) return Fail(failure, kFile);
    *error_fd = moved;
  }
  for (size_t i = 0; i < file_fds_.size(); ++i) {
    int fd = open(file_paths_[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail(failure, kFile, i);
    if (fd != file_fds_[i]) {
      if (dup2(fd, file_fds_[i]) < 0) return Fail(failure, kFile, i);
      close(fd);
    }
    if (fcntl(file_fds_[i], F_SETFD, 0) != 0) return Fail(failure, kFile, i);
  }
  return true;
}

bool ChildSetup::DropCredentials(ChildSetupFailure* failure) const {
  if (syscall(SYS_setgroups, 0, nullptr) != 0 || syscall(SYS_setresgid, gid_, gid_, gid_) != 0 ||
      syscall(SYS_setresuid, uid_, uid_, uid_) != 0) {
    return Fail(failure, kCredentials);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Fail(failure, kNoNewPrivs);
  return true;
}

Status ChildSetup::Describe(const ChildSetupFailure& failure) const {
  std::string reason = std::strerror(failure.error);
  size_t i = static_cast<size_t>(failure.index);
  std::string source = i < sources_.size() ? sources_[i] : "?";
  switch (failure.step) {
    case kUnshare:
    case kPrivate:
      return InternalError("cannot make a private mount namespace: " + reason);
    case kStage:
      return InternalError("cannot mount a tmpfs on " + stage_dir_ + ": " + reason);
    case kTarget:
      return InternalError("cannot make a mount point for " + source + ": " + reason);
    case kClone:
      return NotFoundError("cannot clone the mount of " + source + ": " + reason);
    case kIdmap:
      return FailedPreconditionError(
          "cannot show " + source + " to the sandbox user (idmapped mount: " + reason +
          "); its file system may not support idmapped mounts (Linux 5.12+: ext4, xfs, "
          "btrfs; tmpfs from 6.3)");
    case kMove:
      return InternalError("cannot mount " + source + " for the sandbox: " + reason);
    case kFile: {
      std::string path = i < file_paths_.size() ? file_paths_[i] : "?";
      return NotFoundError("cannot open " + path + " for the child: " + reason);
    }
    case kCredentials:
      return InternalError("cannot become uid " + std::to_string(uid_) + ": " + reason);
    default:
      return InternalError("cannot set no_new_privs: " + reason);
  }
}

}  // namespace mh::sandbox
