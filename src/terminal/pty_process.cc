#include "terminal/pty_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/process.h"

namespace mh::terminal {
namespace {

using sandbox::UniqueFd;

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

void MakeRaw(termios& tio) {
  tio.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
  tio.c_lflag |= ISIG | NOFLSH;
  tio.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  tio.c_iflag &= ~static_cast<tcflag_t>(ICRNL | INLCR | IGNCR | IXON);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
}

// Runs in the forked child: only async-signal-safe calls until exec. On failure the
// errno goes back through `error_fd`.
[[noreturn]] void ChildMain(int slave, const PtyOptions& options, const char* path,
                            char* const* argv, char* const* envp, int error_fd) {
  auto fail = [&error_fd] {
    int error = errno;
    ssize_t ignored = write(error_fd, &error, sizeof error);
    (void)ignored;
    _exit(127);
  };
  if (setsid() < 0) fail();
  if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) fail();
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail();
  for (const sandbox::RlimitSetting& setting : options.rlimits) {
    rlimit limit{setting.value, setting.value};
    if (setting.resource == RLIMIT_CPU) limit.rlim_max = setting.value + 1;
    if (setrlimit(setting.resource, &limit) != 0) fail();
  }
  sandbox::ChildSetupFailure failure;
  if (!options.setup.Apply(&error_fd, &failure)) {
    errno = failure.error;
    fail();
  }
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) fail();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(path, argv, envp);
  fail();
  _exit(127);
}

}  // namespace

std::string ExitInfo::Describe() const {
  if (term_signal != 0) return "killed by signal " + std::to_string(term_signal);
  return "exit code " + std::to_string(exit_code);
}

Result<std::unique_ptr<PtyProcess>> PtyProcess::Start(const PtyOptions& options) {
  if (options.argv.empty()) return InvalidArgumentError("empty argv");
  if (options.rows < 1 || options.cols < 1 || options.rows > 1000 || options.cols > 1000) {
    return InvalidArgumentError("terminal size must be 1..1000 rows and columns");
  }
  ASSIGN_OR_RETURN(std::string path, sandbox::ResolveProgram(options.argv[0], options.env));
  winsize size{};
  size.ws_row = static_cast<unsigned short>(options.rows);
  size.ws_col = static_cast<unsigned short>(options.cols);
  int master_raw = -1, slave_raw = -1;
  if (openpty(&master_raw, &slave_raw, nullptr, nullptr, &size) != 0) {
    return InternalError(std::string("openpty: ") + std::strerror(errno));
  }
  UniqueFd master(master_raw), slave(slave_raw);
  fcntl(master.get(), F_SETFD, FD_CLOEXEC);
  fcntl(slave.get(), F_SETFD, FD_CLOEXEC);
  termios tio{};
  tcgetattr(slave.get(), &tio);
  if (options.raw) MakeRaw(tio);
  tio.c_iflag |= IUTF8;
  tcsetattr(slave.get(), TCSANOW, &tio);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return InternalError("pipe2 failed");
  UniqueFd error_read(pipe_fds[0]), error_write(pipe_fds[1]);
  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(options.env);
  pid_t pid = fork();
  if (pid < 0) return InternalError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ChildMain(slave.get(), options, path.c_str(), argv.data(), envp.data(), error_write.get());
  }
  error_write.Reset();
  slave.Reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(error_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    int status;
    waitpid(pid, &status, 0);
    return InternalError("cannot start " + options.argv[0] + ": " + std::strerror(child_errno));
  }
  fcntl(master.get(), F_SETFL, fcntl(master.get(), F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PtyProcess>(new PtyProcess(std::move(master), pid));
}

PtyProcess::~PtyProcess() { Kill(); }

bool PtyProcess::Read(std::string& out, std::chrono::milliseconds timeout) {
  if (eof_) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool got_any = false;
  for (;;) {
    char buffer[16384];
    ssize_t n = read(master_.get(), buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
      got_any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno == EIO) {  // EIO: every slave descriptor is closed.
      eof_ = true;
      return false;
    }
    if (got_any) return true;
    int wait_ms = RemainingMs(deadline);
    if (wait_ms == 0) return true;
    pollfd pfd{.fd = master_.get(), .events = POLLIN, .revents = 0};
    if (poll(&pfd, 1, wait_ms) == 0) return true;
  }
}

Status PtyProcess::Write(std::string_view bytes, std::chrono::steady_clock::time_point deadline,
                         std::string& drained) {
  while (!bytes.empty()) {
    if (eof_) return FailedPreconditionError("the program has ended");
    ssize_t n = write(master_.get(), bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      return FailedPreconditionError(std::string("the program has ended: ") + std::strerror(errno));
    }
    int wait_ms = RemainingMs(deadline);
    if (wait_ms == 0) return DeadlineExceededError("the program is not reading its input");
    pollfd pfd{.fd = master_.get(), .events = POLLIN | POLLOUT, .revents = 0};
    if (poll(&pfd, 1, wait_ms) > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
      Read(drained, std::chrono::milliseconds(0));
    }
  }
  return Status::Ok();
}

Status PtyProcess::Resize(int rows, int cols) {
  if (rows < 1 || cols < 1 || rows > 1000 || cols > 1000) {
    return InvalidArgumentError("terminal size must be 1..1000 rows and columns");
  }
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(master_.get(), TIOCSWINSZ, &size) != 0) {
    return InternalError(std::string("TIOCSWINSZ: ") + std::strerror(errno));
  }
  return Status::Ok();
}

std::optional<ExitInfo> PtyProcess::Poll() {
  if (exit_ || pid_ <= 0) return exit_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  ExitInfo info;
  if (WIFEXITED(status)) info.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) info.term_signal = WTERMSIG(status);
  exit_ = info;
  return exit_;
}

std::optional<ExitInfo> PtyProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (Poll() || pid_ <= 0) return exit_;
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd.valid()) return std::nullopt;
  pollfd pfd{.fd = pidfd.get(), .events = POLLIN, .revents = 0};
  poll(&pfd, 1, static_cast<int>(timeout.count()));
  return Poll();
}

void PtyProcess::Kill() {
  if (master_.valid()) {
    // The program's own session (it is in another one than our child when started
    // through `setsid -c`) and its foreground job.
    pid_t sid = 0;
    if (ioctl(master_.get(), TIOCGSID, &sid) == 0 && sid > 1) kill(-sid, SIGKILL);
    pid_t fg = tcgetpgrp(master_.get());
    if (fg > 1) kill(-fg, SIGKILL);
  }
  if (pid_ > 0 && !exit_) {
    kill(-pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    ExitInfo info;
    if (WIFEXITED(status)) info.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) info.term_signal = WTERMSIG(status);
    exit_ = info;
  }
  master_.Reset();
  eof_ = true;
}

}  // namespace mh::terminal
