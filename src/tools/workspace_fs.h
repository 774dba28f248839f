// Path safety and file access inside a worktree (internal to tools/).
//
// Every path a model gives is resolved to a path relative to the worktree root:
// relative paths as they are, absolute paths when they lie under the worktree root or
// under the sandbox mount path (/testbed/x.py). `..` and symbolic links are resolved
// (weakly_canonical) and the result must stay inside the worktree. Files are then
// opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from a descriptor on
// the root, so a symlink swapped in after the check (by a command the agent runs)
// cannot lead a read or a write outside: the open fails instead.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sandbox/unique_fd.h"
#include "tools/tool.h"

namespace mh::tools::internal {

enum class Access { kRead, kWrite };

struct ResolvedPath {
  std::string rel;             // Relative to the root, symlinks resolved; "." is the root.
  std::filesystem::path host;  // root / rel.
};

// Errors: kInvalidArgument (empty path, NUL byte), kPermissionDenied (outside the
// worktree after resolving, or, for kWrite, the root itself or inside .git).
Result<ResolvedPath> ResolvePath(const ToolContext& ctx, std::string_view path, Access access);

// Opens `rel` beneath the root without following any symlink. Errors: kNotFound,
// kPermissionDenied (a symlink or an escape appeared), kInternal.
Result<sandbox::UniqueFd> OpenBeneath(const ToolContext& ctx, const std::string& rel, int flags,
                                      mode_t mode = 0);

// Reads the whole regular file `rel`. Errors: as OpenBeneath; kInvalidArgument for a
// directory or a special file; kResourceExhausted above `max_bytes`.
Result<std::string> ReadFileBeneath(const ToolContext& ctx, const std::string& rel,
                                    size_t max_bytes);

// Writes `content` to `rel` atomically (a temp file in the same directory, then
// rename), creating missing parent directories. An existing file keeps its mode;
// a symlink at `rel` is replaced, never followed. Errors: as OpenBeneath.
Status WriteFileBeneath(const ToolContext& ctx, const std::string& rel, std::string_view content);

// True when the first 8000 bytes hold a NUL byte (git's test for binary).
bool LooksBinary(std::string_view content);

}  // namespace mh::tools::internal
