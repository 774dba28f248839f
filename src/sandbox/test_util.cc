#include "sandbox/test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mh::sandbox::testing {

TempDir::TempDir() {
  std::string templ = "/tmp/mh-sandbox-test-XXXXXX";
  char* made = mkdtemp(templ.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  // Workspace disks a test left mounted go first: nothing stays mounted or attached.
  UnmountUnder(path_);
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> MountsUnder(const std::filesystem::path& dir) {
  std::ifstream info("/proc/self/mountinfo");
  std::string line;
  std::string prefix = dir.string() + "/";
  std::vector<std::string> mounts;
  while (std::getline(info, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    if (point.rfind(prefix, 0) == 0) mounts.push_back(point);
  }
  return mounts;
}

void UnmountUnder(const std::filesystem::path& dir) {
  std::vector<std::string> mounts = MountsUnder(dir);
  // Deepest first.
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& point : mounts) umount2(point.c_str(), MNT_DETACH);
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  return line[paren + 2] != 'Z';
}

std::vector<std::string> MinimalEnv() { return {"PATH=/usr/bin:/bin"}; }

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

LoopbackServer::LoopbackServer()
    : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd_, 8) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
}

LoopbackServer::~LoopbackServer() {
  if (fd_ >= 0) close(fd_);
}

bool LoopbackServer::Accepted() {
  int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return false;
  close(client);
  return true;
}

}  // namespace mh::sandbox::testing
