#include "sandbox/idmap.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace mh::sandbox {
namespace {

Status WriteProcFile(pid_t pid, const char* name, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return InternalError("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

struct PipePair {
  UniqueFd read_end;
  UniqueFd write_end;
};

Result<PipePair> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe2: ") + strerror(errno));
  return PipePair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// A child enters a new user namespace, says so on `ready`, and waits until `done` closes;
// meanwhile we map its namespace and open it. Forked: the child makes only
// async-signal-safe calls.
Result<UniqueFd> MakeNamespace(uid_t uid, gid_t gid) {
  ASSIGN_OR_RETURN(PipePair ready, MakePipe());
  ASSIGN_OR_RETURN(PipePair done, MakePipe());
  pid_t pid = fork();
  if (pid < 0) return InternalError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(ready.read_end.get());
    close(done.write_end.get());
    char byte = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    if (write(ready.write_end.get(), &byte, 1) != 1 || byte != 'y') _exit(1);
    ssize_t ignored = read(done.read_end.get(), &byte, 1);
    (void)ignored;
    _exit(0);
  }
  ready.write_end.Reset();
  done.read_end.Reset();
  char byte = 'n';
  ssize_t n;
  do {
    n = read(ready.read_end.get(), &byte, 1);
  } while (n < 0 && errno == EINTR);
  Status status = Status::Ok();
  UniqueFd ns;
  if (n != 1 || byte != 'y') {
    status = InternalError("the kernel refused a user namespace for an idmapped mount");
  } else {
    status = WriteProcFile(pid, "uid_map",
                           std::to_string(geteuid()) + " " + std::to_string(uid) + " 1\n");
    if (status.ok()) {
      status = WriteProcFile(pid, "gid_map",
                             std::to_string(getegid()) + " " + std::to_string(gid) + " 1\n");
    }
    std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
    if (status.ok()) ns.Reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (status.ok() && !ns.valid()) {
      status = InternalError("cannot open " + path + ": " + std::strerror(errno));
    }
  }
  done.write_end.Reset();
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!status.ok()) return status;
  return ns;
}

}  // namespace

Result<int> IdmapCache::Get(uid_t uid, gid_t gid) {
  if (geteuid() != 0) {
    return PermissionDeniedError("running a command as another user needs root");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = namespaces_.find({uid, gid});
  if (found != namespaces_.end()) return found->second.get();
  ASSIGN_OR_RETURN(UniqueFd ns, MakeNamespace(uid, gid));
  int fd = ns.get();
  namespaces_.emplace(std::make_pair(uid, gid), std::move(ns));
  return fd;
}

}  // namespace mh::sandbox
