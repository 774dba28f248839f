#include "tools/workspace_fs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace mh::tools::internal {
namespace fs = std::filesystem;
namespace {

// The part of `path` below `base`, or nullopt when `path` is not `base` or under it.
std::optional<fs::path> Below(const fs::path& path, const fs::path& base) {
  if (base.empty()) return std::nullopt;
  fs::path rel = path.lexically_relative(base);
  if (rel.empty()) return std::nullopt;
  if (*rel.begin() == "..") return std::nullopt;
  return rel;
}

Status Outside(std::string_view path) {
  return PermissionDeniedError("path '" + std::string(path) +
                               "' is outside the workspace; use a path relative to the "
                               "workspace root");
}

// Maps what the model wrote to a lexically normal path relative to the root.
Result<fs::path> ToRelative(const ToolContext& ctx, std::string_view text) {
  fs::path given = fs::path(std::string(text)).lexically_normal();
  if (given.is_absolute()) {
    const std::string& mount = ctx.workspace().mount_path;
    if (auto rel = Below(given, mount.empty() ? fs::path() : fs::path(mount))) return *rel;
    if (auto rel = Below(given, ctx.workspace().root)) return *rel;
    return Outside(text);
  }
  if (!given.empty() && *given.begin() == "..") return Outside(text);
  return given.empty() ? fs::path(".") : given;
}

Status ErrnoStatus(int err, const std::string& rel, std::string_view what) {
  std::string msg = std::string(what) + " '" + rel + "': " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError("no such file or directory: '" + rel + "'");
    case ENOTDIR:
      return NotFoundError("a part of the path '" + rel + "' is a file, not a directory");
    case EXDEV:
    case ELOOP:
    case EACCES:
    case EPERM:
      return PermissionDeniedError(msg);
    case EISDIR:
      return InvalidArgumentError("'" + rel + "' is a directory");
    default:
      return InternalError(msg);
  }
}

int OpenAt2(int dirfd, const char* path, int flags, mode_t mode) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) {
    // Kernels before 5.6: the lexical and canonical checks in ResolvePath still hold,
    // only a symlink swapped in between check and open is not caught.
    fd = openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW, mode);
  }
  return static_cast<int>(fd);
}

// Opens (creating as needed) the directory `rel` beneath the root, one component at
// a time, never through a symlink.
Result<sandbox::UniqueFd> OpenDirCreating(const ToolContext& ctx, const fs::path& rel) {
  sandbox::UniqueFd dir(OpenAt2(ctx.root_fd(), ".", O_DIRECTORY | O_RDONLY, 0));
  if (!dir.valid()) return ErrnoStatus(errno, ".", "cannot open");
  fs::path so_far;
  for (const fs::path& part : rel) {
    if (part == "." || part.empty()) continue;
    so_far /= part;
    if (mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, so_far.string(), "cannot create directory");
    }
    sandbox::UniqueFd next(OpenAt2(dir.get(), part.c_str(), O_DIRECTORY | O_RDONLY, 0));
    if (!next.valid()) return ErrnoStatus(errno, so_far.string(), "cannot open directory");
    dir = std::move(next);
  }
  return dir;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InternalError(std::string("write failed: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<ResolvedPath> ResolvePath(const ToolContext& ctx, std::string_view path, Access access) {
  if (path.empty()) return InvalidArgumentError("path must not be empty");
  if (path.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("path must not contain a NUL byte");
  }
  ASSIGN_OR_RETURN(fs::path rel, ToRelative(ctx, path));
  const fs::path& root = ctx.workspace().root;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(root / rel, ec);
  if (ec) return InternalError("cannot resolve '" + std::string(path) + "': " + ec.message());
  fs::path resolved;
  if (canonical == root) {
    resolved = ".";
  } else if (auto below = Below(canonical, root)) {
    resolved = *below;
  } else {
    return PermissionDeniedError("path '" + std::string(path) +
                                 "' resolves (through a symbolic link) to " + canonical.string() +
                                 ", outside the workspace");
  }
  if (access == Access::kWrite) {
    if (resolved == ".") return PermissionDeniedError("cannot write the workspace root itself");
    for (const fs::path& part : resolved) {
      if (part == ".git") {
        return PermissionDeniedError("refusing to write inside .git ('" + std::string(path) +
                                     "'); use git commands through run_command");
      }
    }
  }
  return ResolvedPath{resolved.string(), root / resolved};
}

Result<sandbox::UniqueFd> OpenBeneath(const ToolContext& ctx, const std::string& rel, int flags,
                                      mode_t mode) {
  sandbox::UniqueFd fd(OpenAt2(ctx.root_fd(), rel.c_str(), flags, mode));
  if (!fd.valid()) return ErrnoStatus(errno, rel, "cannot open");
  return fd;
}

Result<std::string> ReadFileBeneath(const ToolContext& ctx, const std::string& rel,
                                    size_t max_bytes) {
  ASSIGN_OR_RETURN(sandbox::UniqueFd fd, OpenBeneath(ctx, rel, O_RDONLY | O_NONBLOCK));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, rel, "cannot stat");
  if (S_ISDIR(st.st_mode)) return InvalidArgumentError("'" + rel + "' is a directory");
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError("'" + rel + "' is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return ResourceExhaustedError("'" + rel + "' is " + std::to_string(st.st_size) +
                                  " bytes, more than the " + std::to_string(max_bytes) +
                                  " this tool reads");
  }
  std::string content;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, rel, "cannot read");
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > max_bytes) return ResourceExhaustedError("'" + rel + "' grew too large");
  }
  return content;
}

Status WriteFileBeneath(const ToolContext& ctx, const std::string& rel, std::string_view content) {
  fs::path path(rel);
  ASSIGN_OR_RETURN(sandbox::UniqueFd dir, OpenDirCreating(ctx, path.parent_path()));
  std::string leaf = path.filename().string();
  mode_t mode = 0644;
  struct stat st;
  if (fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) return InvalidArgumentError("'" + rel + "' is a directory");
    if (S_ISREG(st.st_mode)) mode = st.st_mode & 07777;
  }
  static std::atomic<uint64_t> counter{0};
  std::string tmp = "." + leaf + ".mh-tmp-" + std::to_string(getpid()) + "-" +
                    std::to_string(counter.fetch_add(1));
  sandbox::UniqueFd out(
      openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out.valid()) return ErrnoStatus(errno, rel, "cannot create a temporary file for");
  Status written = WriteAll(out.get(), content);
  if (written.ok() && fchmod(out.get(), mode) != 0) {
    written = ErrnoStatus(errno, rel, "cannot set the mode of");
  }
  if (written.ok() && renameat(dir.get(), tmp.c_str(), dir.get(), leaf.c_str()) != 0) {
    written = ErrnoStatus(errno, rel, "cannot replace");
  }
  if (!written.ok()) unlinkat(dir.get(), tmp.c_str(), 0);
  return written;
}

bool LooksBinary(std::string_view content) {
  return content.substr(0, 8000).find('\0') != std::string_view::npos;
}

}  // namespace mh::tools::internal
