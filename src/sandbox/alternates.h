// How a workspace names the repository whose objects it borrows.
#pragma once

#include <string>

namespace mh::sandbox {

// The path of `common_dir`'s objects relative to the objects directory of the workspace
// whose git directory is `git_dir` (what its objects/info/alternates holds; git reads a
// relative path from there), so that a folder holding both can be moved or copied.
std::string RelativeAlternates(const std::string& git_dir, const std::string& common_dir);

}  // namespace mh::sandbox
