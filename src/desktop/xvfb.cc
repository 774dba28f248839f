#include "desktop/xvfb.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sandbox/unique_fd.h"

namespace mh::desktop {
namespace {

namespace fs = std::filesystem;
using sandbox::UniqueFd;
using SteadyClock = std::chrono::steady_clock;

constexpr int kDisplayFd = 3;  // Where the server writes its display number.

void PutField(std::string& out, const std::string& bytes) {
  out.push_back(static_cast<char>((bytes.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(bytes.size() & 0xff));
  out += bytes;
}

// One Xauthority entry for any display (FamilyWild, empty address and number), so
// it can be written before the server has chosen its number.
Status WriteAuthFile(const std::string& path) {
  std::string cookie(16, '\0');
  if (getrandom(cookie.data(), cookie.size(), 0) != static_cast<ssize_t>(cookie.size())) {
    return InternalError("getrandom failed for the X cookie");
  }
  std::string entry;
  entry.push_back('\xff');
  entry.push_back('\xff');
  PutField(entry, "");
  PutField(entry, "");
  PutField(entry, "MIT-MAGIC-COOKIE-1");
  PutField(entry, cookie);
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid() || write(fd.get(), entry.data(), entry.size()) != ssize_t(entry.size())) {
    return InternalError("cannot write the X auth file " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 600 ? all.substr(all.size() - 600) : all;
}

Result<pid_t> SpawnXvfb(const DisplayOptions& options, const std::string& auth_file,
                        const std::string& log_file, int display_fd) {
  std::string screen =
      std::to_string(options.size.width) + "x" + std::to_string(options.size.height) + "x24";
  std::vector<std::string> args = {options.xvfb_path, "-displayfd", std::to_string(kDisplayFd),
                                   "-screen",         "0",          screen,
                                   "-nolisten",       "tcp",        "-auth",
                                   auth_file,         "-noreset"};
  std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, display_fd, kDisplayFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);  // Its own group, so it gets no terminal signals.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return NotFoundError("cannot start " + options.xvfb_path + ": " + std::strerror(rc) +
                         " (Debian package xvfb)");
  }
  return pid;
}

// Reads the display number the server writes once it accepts connections.
Result<int> ReadDisplayNumber(int fd, pid_t pid, std::chrono::milliseconds timeout,
                              const std::string& log_file) {
  auto deadline = SteadyClock::now() + timeout;
  std::string text;
  while (text.find('\n') == std::string::npos) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return DeadlineExceededError("Xvfb was not ready in time");
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return InternalError("poll on Xvfb's display fd failed");
    if (n <= 0) continue;
    char buf[32];
    ssize_t got = read(fd, buf, sizeof(buf));
    if (got > 0) {
      text.append(buf, static_cast<size_t>(got));
    } else if (got == 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      return InternalError("Xvfb exited before it was ready: " + LogTail(log_file));
    }
  }
  return std::atoi(text.c_str());
}

// Waits for `pid` to exit for up to `timeout`; true when it did (and was reaped).
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.valid()) {
    pollfd p{pidfd.get(), POLLIN, 0};
    poll(&p, 1, static_cast<int>(timeout.count()));
  }
  return waitpid(pid, nullptr, WNOHANG) == pid;
}

}  // namespace

Result<std::unique_ptr<VirtualDisplay>> VirtualDisplay::Start(const DisplayOptions& options) {
  if (options.size.width < 16 || options.size.height < 16 || options.size.width > 8192 ||
      options.size.height > 8192) {
    return InvalidArgumentError("display size must be 16..8192 pixels each way, got " +
                                std::to_string(options.size.width) + "x" +
                                std::to_string(options.size.height));
  }
  if (access(options.xvfb_path.c_str(), X_OK) != 0) {
    return NotFoundError(options.xvfb_path + " not found (Debian package xvfb)");
  }
  std::string pattern = options.temp_root + "/mh-desktop-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return InternalError("cannot make a directory under " + options.temp_root + ": " +
                         std::strerror(errno));
  }
  std::unique_ptr<VirtualDisplay> display(new VirtualDisplay());
  display->dir_ = pattern;
  display->auth_file_ = pattern + "/Xauthority";
  display->size_ = options.size;
  RETURN_IF_ERROR(WriteAuthFile(display->auth_file_));

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return InternalError("pipe2 failed");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  // adddup2 onto the same number would keep close-on-exec set: move it away from 3.
  if (write_end.get() == kDisplayFd) write_end = UniqueFd(fcntl(fds[1], F_DUPFD_CLOEXEC, 10));
  std::string log_file = pattern + "/Xvfb.log";
  ASSIGN_OR_RETURN(display->pid_,
                   SpawnXvfb(options, display->auth_file_, log_file, write_end.get()));
  write_end.Reset();
  ASSIGN_OR_RETURN(display->number_, ReadDisplayNumber(read_end.get(), display->pid_,
                                                       options.start_timeout, log_file));
  return display;
}

VirtualDisplay::~VirtualDisplay() { Stop(); }

void VirtualDisplay::Stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGTERM);
    if (!WaitExit(pid_, std::chrono::milliseconds(2000))) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::vector<std::string> VirtualDisplay::ClientEnv() const {
  return {"DISPLAY=" + name(), "XAUTHORITY=" + auth_file_};
}

}  // namespace mh::desktop
