// Shared by the replay end-to-end tests: whether git works inside the sandbox.
#pragma once

namespace mh::replay_e2e {

// True when `git status` exits 0 inside solve's sandbox, found once per process by replaying
// a trajectory whose one command is that, recorded with exit code 0 (the replay says when a
// command exits differently). False today: a worktree's .git points outside the mount.
bool GitWorksInSandbox();

// The reason tests that need it give when they skip.
inline constexpr const char* kGitDependency =
    "needs git inside the sandbox (issue 9: a session's workspace becomes a repository of its "
    "own inside the mount); `git status` fails there today";

}  // namespace mh::replay_e2e
