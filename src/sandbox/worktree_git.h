// Helpers shared by the files of WorktreeManager (worktree.cc: the repository side;
// workspace_git.cc: git inside a workspace's sandbox). Internal to the sandbox layer.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"
#include "sandbox/worktree.h"

namespace mh::sandbox::worktree_git {

// Settings that make git ignore anything the agent could have planted.
inline const std::vector<std::string> kSafeConfig = {
    "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
    "-c", "commit.gpgsign=false",     "-c", "core.autocrlf=false",
};

std::string Trim(std::string text);
// kInternal "git COMMAND failed (exit N): stderr".
Status GitFailure(const std::string& command, const ProcessResult& result);
// GIT_AUTHOR_* and GIT_COMMITTER_* for `who`.
std::vector<std::string> IdentityEnv(const GitIdentity& who);
// A relative path that stays inside the repository and out of its git directory.
bool ValidRepoPath(const std::string& path);
// Splits `text` at NUL bytes, dropping empty pieces.
std::vector<std::string> SplitNul(const std::string& text);

}  // namespace mh::sandbox::worktree_git
