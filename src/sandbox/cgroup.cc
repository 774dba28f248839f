#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace mh::sandbox {
namespace {

bool WriteSmallFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "4:memory:/a/b" in /proc/self/cgroup gives "/a/b" for controller "memory".
std::string OwnCgroupPath(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    size_t first = line.find(':');
    size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::stringstream list(controllers);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (name == controller) return line.substr(second + 1);
    }
  }
  return "";
}

// "mh-PID-TOKEN-N". The random token, drawn once per process, keeps a new process from
// colliding with the groups a killed one left behind under the same (reused) pid.
std::string UniqueName() {
  static const std::string token = [] {
    std::random_device random;
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%08x%08x", random(), random());
    return std::string(hex);
  }();
  static std::atomic<uint64_t> counter{0};
  return "mh-" + std::to_string(getpid()) + "-" + token + "-" + std::to_string(counter++);
}

// Removes the groups that killed processes left in `parent` (a process that dies by
// SIGKILL cannot remove its own): "mh-PID-..." whose PID no longer runs. rmdir only
// succeeds on a group with no processes left, so nothing alive is touched.
void RemoveStaleGroups(const std::string& parent) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("mh-", 0) != 0) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(name.c_str() + 3, nullptr, 10));
    if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) rmdir(entry.path().c_str());
  }
}

// Returns the parent directory for new groups of `controller`, or "" when we
// cannot create a group there.
std::string ProbeController(const std::string& root, const std::string& controller) {
  std::string own = OwnCgroupPath(controller);
  if (own.empty()) return "";
  std::string parent = root + "/" + controller + (own == "/" ? "" : own);
  std::string probe = parent + "/" + UniqueName();
  if (mkdir(probe.c_str(), 0755) != 0) return "";
  bool writable = access((probe + "/cgroup.procs").c_str(), W_OK) == 0;
  rmdir(probe.c_str());
  if (writable) RemoveStaleGroups(parent);
  return writable ? parent : "";
}

std::vector<pid_t> ReadPids(const std::string& procs_path) {
  std::vector<pid_t> pids;
  std::ifstream in(procs_path);
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

uint64_t ReadCounter(const std::string& path, const std::string& key) {
  std::istringstream in(ReadSmallFile(path));
  std::string name;
  uint64_t value;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

}  // namespace

CgroupSupport ProbeCgroups(const std::string& root) {
  return CgroupSupport{ProbeController(root, "pids"), ProbeController(root, "memory")};
}

Result<Cgroup> Cgroup::Create(const CgroupSupport& support, uint64_t max_processes,
                              uint64_t memory_bytes) {
  Cgroup group;
  std::string name = UniqueName();
  if (!support.pids_parent.empty()) {
    std::string dir = support.pids_parent + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0) {
      return InternalError("cannot create cgroup " + dir + ": " + std::strerror(errno));
    }
    group.pids_dir_ = dir;
    group.pids_procs_ = dir + "/cgroup.procs";
    if (max_processes > 0 && !WriteSmallFile(dir + "/pids.max", std::to_string(max_processes))) {
      return InternalError("cannot set " + dir + "/pids.max");
    }
  }
  if (!support.memory_parent.empty()) {
    std::string dir = support.memory_parent + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0) {
      return InternalError("cannot create cgroup " + dir + ": " + std::strerror(errno));
    }
    group.memory_dir_ = dir;
    group.memory_procs_ = dir + "/cgroup.procs";
    if (memory_bytes > 0) {
      std::string bytes = std::to_string(memory_bytes);
      if (!WriteSmallFile(dir + "/memory.limit_in_bytes", bytes)) {
        return InternalError("cannot set " + dir + "/memory.limit_in_bytes");
      }
      // Without swap accounting this file is absent; with it, swap must not
      // extend the limit. Best effort.
      WriteSmallFile(dir + "/memory.memsw.limit_in_bytes", bytes);
    }
  }
  return group;
}

Cgroup::Cgroup(Cgroup&& other) noexcept { *this = std::move(other); }

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
  if (this != &other) {
    Remove();
    pids_dir_ = std::exchange(other.pids_dir_, "");
    memory_dir_ = std::exchange(other.memory_dir_, "");
    pids_procs_ = std::exchange(other.pids_procs_, "");
    memory_procs_ = std::exchange(other.memory_procs_, "");
  }
  return *this;
}

Cgroup::~Cgroup() { Remove(); }

void Cgroup::KillAll() {
  if (!pids_dir_.empty()) WriteSmallFile(pids_dir_ + "/pids.max", "0");
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const std::string& procs : {pids_procs_, memory_procs_}) {
    if (procs.empty()) continue;
    // Killed processes leave the group when they exit; poll until it is empty.
    while (std::chrono::steady_clock::now() < give_up) {
      std::vector<pid_t> pids = ReadPids(procs);
      if (pids.empty()) break;
      for (pid_t pid : pids) kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

CgroupStats Cgroup::Stats() const {
  CgroupStats stats;
  if (!memory_dir_.empty()) {
    std::string peak = ReadSmallFile(memory_dir_ + "/memory.max_usage_in_bytes");
    stats.peak_memory_bytes = std::strtoull(peak.c_str(), nullptr, 10);
    stats.memory_limit_hit = ReadCounter(memory_dir_ + "/memory.oom_control", "oom_kill") > 0;
  }
  if (!pids_dir_.empty()) {
    stats.process_limit_hit = ReadCounter(pids_dir_ + "/pids.events", "max") > 0;
  }
  return stats;
}

void Cgroup::Remove() {
  if (pids_dir_.empty() && memory_dir_.empty()) return;
  KillAll();
  for (std::string* dir : {&pids_dir_, &memory_dir_}) {
    if (!dir->empty()) rmdir(dir->c_str());
    dir->clear();
  }
  pids_procs_.clear();
  memory_procs_.clear();
}

}  // namespace mh::sandbox
