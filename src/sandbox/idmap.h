// IdmapCache: user namespaces whose only mapping is our effective uid/gid to another
// user's, kept open so idmapped mounts (RunAs, process.h) can name them. Internal to the
// sandbox layer.
//
// Thread-safety: Get() may be called from several threads. Ownership: the cache owns
// the namespace descriptors; a descriptor it returns stays valid until the cache dies.
#pragma once

#include <sys/types.h>

#include <map>
#include <mutex>
#include <utility>

#include "base/status.h"
#include "sandbox/unique_fd.h"

namespace mh::sandbox {

class IdmapCache {
 public:
  // A descriptor of a user namespace mapping our euid to `uid` and our egid to `gid`,
  // made on first use. Errors: kPermissionDenied (not root), kInternal (the kernel
  // refused the namespace or its maps).
  Result<int> Get(uid_t uid, gid_t gid);

 private:
  std::mutex mutex_;
  std::map<std::pair<uid_t, gid_t>, UniqueFd> namespaces_;  // Guarded by mutex_.
};

}  // namespace mh::sandbox
