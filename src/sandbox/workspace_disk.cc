#include "sandbox/workspace_disk.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;

const char kToolPath[] = "/usr/sbin:/sbin:/usr/bin:/bin";

std::string Errno() { return std::strerror(errno); }

bool FindProgram(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

Status WriteError(const std::string& path, int error) {
  if (error == ENOSPC || error == EDQUOT) {
    return ResourceExhaustedError("no space on the host for the disk image " + path);
  }
  return InternalError("cannot write " + path + ": " + std::strerror(error));
}

// Copies [offset, offset + length) of `in` to the same place in `out`.
Status CopyRange(int in, int out, off_t offset, off_t length, const std::string& to) {
  off_t in_off = offset;
  off_t out_off = offset;
  while (length > 0) {
    ssize_t n = copy_file_range(in, &in_off, out, &out_off, static_cast<size_t>(length), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteError(to, n < 0 ? errno : EIO);
    length -= n;
  }
  return Status::Ok();
}

// Copies `from` to a new file `to` (mode 0600), leaving holes where `from` has them.
Status CopySparse(const std::string& from, const std::string& to) {
  UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!in.valid() || fstat(in.get(), &st) != 0) {
    return InternalError("cannot read " + from + ": " + Errno());
  }
  UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return WriteError(to, errno);
  if (ftruncate(out.get(), st.st_size) != 0) return WriteError(to, errno);
  off_t data = 0;
  while ((data = lseek(in.get(), data, SEEK_DATA)) >= 0) {
    off_t hole = lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) return InternalError("cannot read " + from + ": " + Errno());
    RETURN_IF_ERROR(CopyRange(in.get(), out.get(), data, hole - data, to));
    data = hole;
  }
  if (errno != ENXIO) return InternalError("cannot read " + from + ": " + Errno());
  if (fsync(out.get()) != 0) return WriteError(to, errno);
  return Status::Ok();
}

// Binds a free loop device to `image_fd` (auto-clear: it goes with its last user). The
// returned descriptor keeps it until the mount holds it. `device` gets its path.
Result<UniqueFd> AttachLoop(int image_fd, const std::string& image, std::string* device) {
  UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control.valid()) return InternalError("cannot open /dev/loop-control: " + Errno());
  // Another process may take the free device between the two calls: ask again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    int number = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (number < 0) return ResourceExhaustedError("no free loop device: " + Errno());
    *device = "/dev/loop" + std::to_string(number);
    UniqueFd loop(open(device->c_str(), O_RDWR | O_CLOEXEC));
    if (!loop.valid()) return InternalError("cannot open " + *device + ": " + Errno());
    loop_config config{};
    config.fd = static_cast<uint32_t>(image_fd);
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), image.c_str(),
                 LO_NAME_SIZE - 1);
    if (ioctl(loop.get(), LOOP_CONFIGURE, &config) == 0) return loop;
    if (errno != EBUSY) {
      return InternalError("cannot bind " + *device + " to " + image + ": " + Errno());
    }
  }
  return ResourceExhaustedError("no free loop device: every one offered was taken first");
}

enum class PathState { kMissing, kEmptyDir, kMountPoint, kOther };

PathState StateOf(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (status.type() == fs::file_type::not_found) return PathState::kMissing;
  if (status.type() != fs::file_type::directory) return PathState::kOther;
  if (IsMountPoint(path)) return PathState::kMountPoint;
  return fs::is_empty(path, ec) && !ec ? PathState::kEmptyDir : PathState::kOther;
}

// Makes `path` ready to be mounted on: an empty directory. True when it already is the
// root of a mount.
Result<bool> PrepareMountPoint(const std::string& path) {
  switch (StateOf(path)) {
    case PathState::kMountPoint:
      return true;
    case PathState::kEmptyDir:
      return false;
    case PathState::kMissing:
      if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        return InternalError("cannot create " + path + ": " + Errno());
      }
      return false;
    case PathState::kOther:
      break;
  }
  return FailedPreconditionError("cannot mount a workspace disk on " + path +
                                 ": it is not an empty directory");
}

}  // namespace

bool IsMountPoint(const std::string& path) {
  struct statx stx {};
  if (statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

Result<std::unique_ptr<WorkspaceDisks>> WorkspaceDisks::Create(ProcessRunner& runner,
                                                               std::string root,
                                                               uint64_t quota_bytes) {
  if (quota_bytes == 0) {
    return std::unique_ptr<WorkspaceDisks>(new WorkspaceDisks(runner, std::move(root), 0));
  }
  if (quota_bytes < kMinDiskQuotaBytes) {
    return InvalidArgumentError("a workspace disk quota must be 0 (none) or at least " +
                                std::to_string(kMinDiskQuotaBytes >> 20) + " MiB");
  }
  UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (geteuid() != 0 || !control.valid()) {
    spdlog::warn(
        "workspace disks in degraded mode ({}): workspaces are plain directories, with no "
        "disk quota",
        geteuid() != 0 ? "not root" : "no /dev/loop-control: " + Errno());
    return std::unique_ptr<WorkspaceDisks>(new WorkspaceDisks(runner, std::move(root), 0));
  }
  for (const char* tool : {"mkfs.ext4", "debugfs"}) {
    if (!FindProgram(tool)) {
      return FailedPreconditionError(std::string(tool) +
                                     " not found: install e2fsprogs for workspace disk quotas, "
                                     "or set the quota to 0");
    }
  }
  std::unique_ptr<WorkspaceDisks> disks(new WorkspaceDisks(runner, std::move(root), quota_bytes));
  std::error_code ec;
  fs::create_directories(disks->DisksDir(), ec);
  if (ec) return InternalError("cannot create " + disks->DisksDir() + ": " + ec.message());
  fs::permissions(disks->DisksDir(), fs::perms::owner_all, ec);
  return disks;
}

std::string WorkspaceDisks::ImagePath(const std::string& name) const {
  return DisksDir() + "/" + name + ".ext4";
}

bool WorkspaceDisks::HasImage(const std::string& name) const {
  std::error_code ec;
  return enabled() && fs::is_regular_file(ImagePath(name), ec);
}

Status WorkspaceDisks::RunTool(const std::vector<std::string>& argv) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.env = {std::string("PATH=") + kToolPath, "LANG=C", "LC_ALL=C"};
  spec.cwd = DisksDir();
  spec.time_limit = std::chrono::minutes(1);
  ASSIGN_OR_RETURN(ProcessResult result, runner_.Run(spec));
  if (!result.ok()) {
    return InternalError(argv[0] + " failed (exit " + std::to_string(result.exit_code) +
                         "): " + result.stderr_text.substr(0, 2000));
  }
  return Status::Ok();
}

Result<std::string> WorkspaceDisks::Template() {
  std::string path = DisksDir() + "/template-" + std::to_string(quota_bytes_) + ".ext4";
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  static std::atomic<uint64_t> counter{0};
  std::string made = path + ".new-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  Status status = [&]() -> Status {
    UniqueFd file(open(made.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!file.valid() || ftruncate(file.get(), static_cast<off_t>(quota_bytes_)) != 0) {
      return WriteError(made, errno);
    }
    file.Reset();
    std::string owner = std::to_string(geteuid()) + ":" + std::to_string(getegid());
    RETURN_IF_ERROR(
        RunTool({"mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0", "-E",
                 "lazy_itable_init=1,lazy_journal_init=1,nodiscard,root_owner=" + owner, made}));
    // git in the workspace would see it as an untracked directory.
    return RunTool({"debugfs", "-w", "-R", "rmdir lost+found", made});
  }();
  // A concurrent first use may have renamed its own into place already: either is fine.
  if (status.ok() && rename(made.c_str(), path.c_str()) != 0) {
    status = InternalError("cannot rename " + made + ": " + Errno());
  }
  if (!status.ok()) {
    unlink(made.c_str());
    return status;
  }
  return path;
}

Status WorkspaceDisks::Mount(const std::string& image, const std::string& path) {
  UniqueFd image_fd(open(image.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!image_fd.valid()) return InternalError("cannot open " + image + ": " + Errno());
  std::string device;
  ASSIGN_OR_RETURN(UniqueFd loop, AttachLoop(image_fd.get(), image, &device));
  // The inode tables are holes, so already zero: the kernel need not write them.
  if (mount(device.c_str(), path.c_str(), "ext4", MS_NOSUID | MS_NODEV, "noinit_itable") != 0) {
    return InternalError("cannot mount " + image + " (" + device + ") on " + path + ": " + Errno());
  }
  return Status::Ok();  // Closing `loop` leaves the device to the mount (auto-clear).
}

Status WorkspaceDisks::Attach(const std::string& name, const std::string& path, bool* made) {
  if (made != nullptr) *made = false;
  if (!enabled()) return Status::Ok();
  ASSIGN_OR_RETURN(bool mounted, PrepareMountPoint(path));
  if (mounted) return Status::Ok();
  std::string image = ImagePath(name);
  std::error_code ec;
  bool fresh = !fs::exists(image, ec);
  if (fresh) {
    ASSIGN_OR_RETURN(std::string pristine, Template());
    RETURN_IF_ERROR(CopySparse(pristine, image));
  }
  Status status = Mount(image, path);
  if (!status.ok()) {
    if (fresh) unlink(image.c_str());
    return status;
  }
  if (fresh) {
    // Ours and 0755 whatever umask mkfs ran under.
    if (chmod(path.c_str(), 0755) != 0) return InternalError("cannot chmod " + path);
  }
  if (made != nullptr) *made = fresh;
  return Status::Ok();
}

Status WorkspaceDisks::Remount(const std::string& name, const std::string& path) {
  if (!HasImage(name) || IsMountPoint(path)) return Status::Ok();
  return Attach(name, path);
}

Status WorkspaceDisks::Detach(const std::string& name, const std::string& path) {
  if (!enabled()) return Status::Ok();
  if (IsMountPoint(path) && umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
    return InternalError("cannot unmount " + path + ": " + Errno());
  }
  std::string image = ImagePath(name);
  if (unlink(image.c_str()) != 0 && errno != ENOENT) {
    return InternalError("cannot delete " + image + ": " + Errno());
  }
  // Left when not empty (a plain directory from before the quota): the caller removes it.
  rmdir(path.c_str());
  return Status::Ok();
}

}  // namespace mh::sandbox
