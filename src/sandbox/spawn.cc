#include "sandbox/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

// What the child reports through the error pipe when a setup step fails.
enum class ChildStage : int { kCgroup = 1, kRlimit, kFds, kChdir, kExec, kSetup };

struct ChildError {
  ChildStage stage;
  int error;
  ChildSetupFailure setup;  // For kSetup.
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Writes the decimal pid into buf (async-signal-safe); returns the length.
size_t FormatPid(pid_t pid, char* buf) {
  char tmp[16];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  for (size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

[[noreturn]] void ChildFail(int error_fd, ChildStage stage) {
  ChildError report{stage, errno, {}};
  ssize_t ignored = write(error_fd, &report, sizeof(report));
  (void)ignored;
  _exit(127);
}

// Runs in the child, which shares our memory until exec: only async-signal-safe calls,
// and nothing written but its own stack and errno.
[[noreturn]] void ChildMain(const SpawnRequest& request, char* const* argv, char* const* envp,
                            int error_fd) {
  setpgid(0, 0);
  char pid_text[16];
  size_t pid_len = FormatPid(getpid(), pid_text);
  for (const std::string& procs : request.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid_text, pid_len) != static_cast<ssize_t>(pid_len)) {
      ChildFail(error_fd, ChildStage::kCgroup);
    }
    close(fd);
  }
  for (const RlimitSetting& setting : request.rlimits) {
    rlimit limit{setting.value, setting.value};
    // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one.
    if (setting.resource == RLIMIT_CPU) limit.rlim_max = setting.value + 1;
    if (setrlimit(setting.resource, &limit) != 0) ChildFail(error_fd, ChildStage::kRlimit);
  }
  if (dup2(request.stdin_fd, 0) < 0 || dup2(request.stdout_fd, 1) < 0 ||
      dup2(request.stderr_fd, 2) < 0) {
    ChildFail(error_fd, ChildStage::kFds);
  }
  // Nothing but 0, 1, 2 crosses exec; the error pipe stays open until exec.
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    ChildFail(error_fd, ChildStage::kFds);
  }
  ChildSetupFailure failure;
  if (!request.setup.Apply(&error_fd, &failure)) {
    ChildError report{ChildStage::kSetup, failure.error};
    report.setup = failure;
    ssize_t ignored = write(error_fd, &report, sizeof(report));
    (void)ignored;
    _exit(127);
  }
  if (!request.cwd.empty() && chdir(request.cwd.c_str()) != 0) {
    ChildFail(error_fd, ChildStage::kChdir);
  }
  // Dispositions set to "ignore" and blocked signals survive exec: reset them.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(request.path.c_str(), argv, envp);
  ChildFail(error_fd, ChildStage::kExec);
}

struct ChildArgs {
  const SpawnRequest* request;
  char* const* argv;
  char* const* envp;
  int error_fd;
};

int ChildEntry(void* raw) {
  const ChildArgs* args = static_cast<const ChildArgs*>(raw);
  ChildMain(*args->request, args->argv, args->envp, args->error_fd);
}

// The child's stack while it shares our memory (until exec).
constexpr size_t kChildStackBytes = 256 * 1024;

// Starts ChildMain in a child that shares our memory and suspends this thread until it
// has exec'd or exited (CLONE_VM | CLONE_VFORK, as posix_spawn does): unlike fork, no
// page tables are copied, which matters when a company with many threads and sessions
// starts thousands of git and sandbox processes. Signals are blocked around the clone so
// no handler of ours runs on the child's stack; the child resets them before exec.
pid_t CloneChild(ChildArgs& args) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer cannot follow a child running on a stack of its own in our memory
  // (it reports its own stack bookkeeping as overflows): sanitized builds fork.
  pid_t forked = fork();
  if (forked == 0) ChildEntry(&args);
  return forked;
#endif
  void* stack = mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ChildEntry, static_cast<char*>(stack) + kChildStackBytes,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kChildStackBytes);
  errno = saved;
  return pid;
}

Status StatusFromChild(const ChildError& report, const SpawnRequest& request) {
  std::string reason = std::strerror(report.error);
  switch (report.stage) {
    case ChildStage::kChdir:
      return NotFoundError("cannot enter working directory " + request.cwd + ": " + reason);
    case ChildStage::kExec:
      if (report.error == ENOENT)
        return NotFoundError("cannot run " + request.path + ": " + reason);
      if (report.error == EACCES) {
        return PermissionDeniedError("cannot run " + request.path + ": " + reason);
      }
      return InternalError("cannot run " + request.path + ": " + reason);
    case ChildStage::kCgroup:
      return InternalError("cannot join cgroup: " + reason);
    case ChildStage::kRlimit:
      return InternalError("cannot set resource limit: " + reason);
    case ChildStage::kFds:
      return InternalError("cannot set up child descriptors: " + reason);
    case ChildStage::kSetup:
      return request.setup.Describe(report.setup);
  }
  return InternalError("child setup failed: " + reason);
}

}  // namespace

Result<pid_t> SpawnChild(const SpawnRequest& request) {
  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe2: ") + std::strerror(errno));
  }
  UniqueFd error_read(error_pipe[0]);
  UniqueFd error_write(error_pipe[1]);
  ChildArgs args{&request, argv.data(), envp.data(), error_write.get()};
  pid_t pid = CloneChild(args);
  if (pid < 0) return InternalError(std::string("clone: ") + std::strerror(errno));
  error_write.Reset();
  // EOF means exec succeeded (the pipe is close-on-exec); a report means it failed.
  ChildError report{};
  ssize_t n;
  do {
    n = read(error_read.get(), &report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  if (n == 0) return pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(report))) {
    return InternalError("child setup failed without a report");
  }
  return StatusFromChild(report, request);
}

}  // namespace mh::sandbox
