// How a workspace names the repository whose objects it borrows.
#pragma once

#include <string>

namespace mh::sandbox {

// What a workspace's objects/info/alternates holds: the absolute path of `common_dir`'s
// objects (as git clone --shared writes it; the sandbox binds it read-only at that path).
// WorktreeManager::Remount rewrites it when the company folder has moved or been copied.
std::string AlternatesFor(const std::string& common_dir);

}  // namespace mh::sandbox
