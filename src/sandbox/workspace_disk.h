// WorkspaceDisks: a disk of its own for each workspace, so that what a session writes is
// bounded (issue 9). A disk is a sparse ext4 image file, `<root>/.disks/<name>.ext4`,
// loop-mounted at the workspace's path `<root>/<name>` before anything is written there:
// the work tree and its .git live inside it, and writing past its size fails with ENOSPC
// ("No space left on device") for the command while the host disk keeps the rest.
//
// Images are cheap: one pristine image per size (`<root>/.disks/template-<bytes>.ext4`,
// mkfs'ed once, without a journal, lost+found removed, its root owned by us, mode 0755)
// is copied sparsely (SEEK_DATA/SEEK_HOLE) for each workspace, a few MiB of data.
// Mounting goes through the kernel (LOOP_CTL_GET_FREE, LOOP_CONFIGURE with
// LO_FLAGS_AUTOCLEAR, mount(2) with MS_NOSUID|MS_NODEV): the loop device goes away with
// the last mount of it, so unmounting is the whole clean-up.
//
// Degraded mode: without root or without a usable /dev/loop-control, Create logs one
// warning and the disks are disabled (enabled() == false): every call is a no-op and
// workspaces are plain directories with no quota. A quota of 0 disables them silently.
//
// Thread-safety: calls for different names may run concurrently; the template is made
// under a private name and renamed into place, so concurrent first uses are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "sandbox/process.h"

namespace mh::sandbox {

// The smallest quota accepted: ext4 needs room for its own metadata.
inline constexpr uint64_t kMinDiskQuotaBytes = 32ull << 20;

class WorkspaceDisks {
 public:
  // `root`: the directory holding the workspaces (absolute, existing). `quota_bytes`: the
  // size of each disk; 0 disables disks. `runner` runs mkfs.ext4 and debugfs (from
  // e2fsprogs) for the template and must outlive this object.
  // Errors: kInvalidArgument (a quota under kMinDiskQuotaBytes), kFailedPrecondition
  // (mkfs.ext4 or debugfs missing: Debian package e2fsprogs), kInternal (cannot create
  // `<root>/.disks`).
  static Result<std::unique_ptr<WorkspaceDisks>> Create(ProcessRunner& runner, std::string root,
                                                        uint64_t quota_bytes);

  bool enabled() const { return quota_bytes_ > 0; }
  uint64_t quota_bytes() const { return quota_bytes_; }

  std::string ImagePath(const std::string& name) const;
  // True when `name` has an image on disk (mounted or not). False when disabled.
  bool HasImage(const std::string& name) const;

  // Makes sure the disk of `name` is mounted at `path`: a missing image is made from the
  // template; an image that is not mounted (after a crash or a reboot) is mounted again;
  // a disk already mounted at `path` is left as is. `path` is created if missing and must
  // otherwise be an empty directory or a mount point. *made (optional) tells whether a
  // new, empty disk was made. Errors: kFailedPrecondition (`path` is something else, or
  // not empty), kResourceExhausted (no space for the image, no free loop device),
  // kInternal (mkfs, loop or mount failed, with the system's words).
  Status Attach(const std::string& name, const std::string& path, bool* made = nullptr);

  // Mounts the existing image of `name` at `path` when it is not mounted; nothing to do
  // when there is no image or it is mounted. Errors as Attach.
  Status Remount(const std::string& name, const std::string& path);

  // Unmounts `path` (MNT_DETACH: processes still inside keep their files until they end)
  // if it is a mount point, deletes the image and the then empty `path`. Nothing there
  // is not an error. Errors: kInternal (umount or unlink refused).
  Status Detach(const std::string& name, const std::string& path);

  WorkspaceDisks(const WorkspaceDisks&) = delete;
  WorkspaceDisks& operator=(const WorkspaceDisks&) = delete;

 private:
  WorkspaceDisks(ProcessRunner& runner, std::string root, uint64_t quota_bytes)
      : runner_(runner), root_(std::move(root)), quota_bytes_(quota_bytes) {}

  std::string DisksDir() const { return root_ + "/.disks"; }
  // The template image for quota_bytes_, made on first use.
  Result<std::string> Template();
  Status RunTool(const std::vector<std::string>& argv);
  Status Mount(const std::string& image, const std::string& path);

  ProcessRunner& runner_;
  std::string root_;
  uint64_t quota_bytes_ = 0;
};

// True when `path` is the root of a mount (statx STATX_ATTR_MOUNT_ROOT).
bool IsMountPoint(const std::string& path);

}  // namespace mh::sandbox
