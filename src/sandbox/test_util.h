// Helpers shared by the sandbox layer's tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mh::sandbox::testing {

// A fresh directory under /tmp, removed (recursively) on destruction, after unmounting
// whatever is mounted under it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Mount points strictly under `dir` in our mount namespace (/proc/self/mountinfo).
std::vector<std::string> MountsUnder(const std::filesystem::path& dir);
// Unmounts (detached) every mount under `dir`; TempDir does it before deleting itself.
void UnmountUnder(const std::filesystem::path& dir);

// True when `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

// The environment tests give to commands: a system PATH and nothing else.
std::vector<std::string> MinimalEnv();

std::string ReadFileOrEmpty(const std::filesystem::path& path);

// A listening socket on 127.0.0.1 with a port of the kernel's choice; port() is 0 when it
// could not be made.
class LoopbackServer {
 public:
  LoopbackServer();
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  int port() const { return port_; }
  // True when a client connected (the kernel completed a handshake); does not wait.
  bool Accepted();

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace mh::sandbox::testing
