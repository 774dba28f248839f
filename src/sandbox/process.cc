#include "sandbox/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "sandbox/cgroup.h"
#include "sandbox/output_buffer.h"
#include "sandbox/spawn.h"
#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

using Steady = std::chrono::steady_clock;

Status ErrnoError(const std::string& what) {
  return InternalError(what + ": " + std::strerror(errno));
}

// stdin as a sealed-in-memory file: no writer thread, no SIGPIPE, no deadlock when
// the command does not read it.
Result<UniqueFd> MakeStdin(const std::string& text) {
  if (text.empty()) {
    UniqueFd null_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_fd.valid()) return ErrnoError("open /dev/null");
    return null_fd;
  }
  UniqueFd fd(memfd_create("mh-stdin", MFD_CLOEXEC));
  if (!fd.valid()) return ErrnoError("memfd_create");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("write stdin");
    done += static_cast<size_t>(n);
  }
  if (lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoError("lseek stdin");
  return fd;
}

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Result<Pipe> MakeOutputPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  fcntl(pipe.read_end.get(), F_SETFL, O_NONBLOCK);
  // A larger pipe means fewer wake-ups when a command floods its output.
  fcntl(pipe.read_end.get(), F_SETPIPE_SZ, 1 << 20);
  return pipe;
}

// One output stream being read into its head+tail buffer.
struct Stream {
  UniqueFd fd;
  HeadTailBuffer buffer;
};

// Reads what is available; closes the fd at end of file or on error.
void Drain(Stream& stream) {
  static thread_local char chunk[1 << 16];
  while (stream.fd.valid()) {
    ssize_t n = read(stream.fd.get(), chunk, sizeof(chunk));
    if (n > 0) {
      stream.buffer.Append(std::string_view(chunk, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    stream.fd.Reset();
  }
}

// Polls the streams (and the pidfd while it is valid) until `deadline`.
// Returns true when the pidfd became readable (the child exited).
bool PollOnce(Stream* streams, size_t count, int pidfd, Steady::time_point deadline) {
  pollfd fds[3];
  nfds_t n = 0;
  for (size_t i = 0; i < count; ++i) {
    if (streams[i].fd.valid()) fds[n++] = pollfd{streams[i].fd.get(), POLLIN, 0};
  }
  if (pidfd >= 0) fds[n++] = pollfd{pidfd, POLLIN, 0};
  if (n == 0) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  int timeout = static_cast<int>(std::max<int64_t>(0, left.count() + 1));
  if (poll(fds, n, timeout) < 0) return false;  // EINTR: the caller loops.
  for (size_t i = 0; i < count; ++i) Drain(streams[i]);
  return pidfd >= 0 && (fds[n - 1].revents & POLLIN);
}

std::vector<RlimitSetting> RlimitsFor(const ResourceLimits& limits, bool cgroup_pids,
                                      bool cgroup_memory) {
  std::vector<RlimitSetting> out;
  if (limits.cpu_seconds > 0) out.push_back({RLIMIT_CPU, limits.cpu_seconds});
  if (limits.file_size_bytes > 0) out.push_back({RLIMIT_FSIZE, limits.file_size_bytes});
  if (limits.max_processes > 0 && !cgroup_pids) {
    out.push_back({RLIMIT_NPROC, limits.max_processes});
  }
  if (limits.memory_bytes > 0 && !cgroup_memory) {
    out.push_back({RLIMIT_AS, limits.memory_bytes});
  }
  return out;
}

void FillExit(int status, ProcessResult& result) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
}

// True when a process of group `pgid` is alive. Zombies do not count: the orphans
// among them are reaped by init, which may take its time.
bool GroupHasLiveMembers(pid_t pgid) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(line.substr(paren + 1));
    char state = 0;
    pid_t ppid = 0, group = 0;
    fields >> state >> ppid >> group;
    if (group == pgid && state != 'Z') return true;
  }
  return false;
}

// Without a cgroup, SIGKILL to the group is asynchronous: wait (bounded) until no
// member is left, so that "the command is over" means its group is gone too.
void WaitForGroupToDie(pid_t pgid) {
  Steady::time_point give_up = Steady::now() + std::chrono::seconds(1);
  while (kill(-pgid, 0) == 0 && GroupHasLiveMembers(pgid) && Steady::now() < give_up) {
    killpg(pgid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Waits for `pid` (its pidfd ready or the deadline passed) and reaps it, killing the
// whole process group and cgroup first so nothing outlives the command.
void KillAndReap(pid_t pid, std::optional<Cgroup>& cgroup, ProcessResult& result) {
  // The zombie leader keeps the process group id reserved until it is reaped.
  killpg(pid, SIGKILL);
  kill(pid, SIGKILL);
  if (cgroup.has_value()) {
    CgroupStats stats = cgroup->Stats();
    result.memory_limit_hit = stats.memory_limit_hit;
    result.process_limit_hit = stats.process_limit_hit;
    result.peak_memory_bytes = stats.peak_memory_bytes;
    cgroup->KillAll();
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  FillExit(status, result);
  if (!cgroup.has_value()) WaitForGroupToDie(pid);
}

void FillOutput(const HeadTailBuffer& buffer, std::string& text, bool& truncated, uint64_t& bytes) {
  text = buffer.Text();
  truncated = buffer.truncated();
  bytes = buffer.total_bytes();
}

}  // namespace

Result<std::string> ResolveProgram(const std::string& name, const std::vector<std::string>& env) {
  if (name.empty()) return InvalidArgumentError("empty program name");
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return name;
    return NotFoundError("cannot run " + name + ": " + std::strerror(errno));
  }
  std::string path;
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return NotFoundError("program " + name + " not found in the command's PATH");
}

Result<std::unique_ptr<RealProcessRunner>> RealProcessRunner::Create(
    const ProcessRunnerOptions& options) {
  CgroupSupport support;
  if (options.use_cgroups) support = ProbeCgroups(options.cgroup_root);
  bool complete = !support.pids_parent.empty() && !support.memory_parent.empty();
  if (!complete) {
    if (options.require_cgroups) {
      return FailedPreconditionError(
          "cgroup v1 pids and memory controllers are not writable under " + options.cgroup_root);
    }
    spdlog::warn(
        "process runner in degraded mode: cgroup v1 pids {} / memory {}; daemons that "
        "setsid() may escape unsandboxed runs, limits fall back to rlimits",
        support.pids_parent.empty() ? "unavailable" : "ok",
        support.memory_parent.empty() ? "unavailable" : "ok");
  }
  return std::unique_ptr<RealProcessRunner>(
      new RealProcessRunner(support.pids_parent, support.memory_parent));
}

RealProcessRunner::RealProcessRunner(std::string pids_parent, std::string memory_parent)
    : pids_parent_(std::move(pids_parent)), memory_parent_(std::move(memory_parent)) {}

bool RealProcessRunner::cgroups_enabled() const {
  return !pids_parent_.empty() && !memory_parent_.empty();
}

// Everything prepared for one run before the fork: the cgroup, stdin, the pipes.
struct RealProcessRunner::Prepared {
  SpawnRequest request;
  std::optional<Cgroup> cgroup;
  UniqueFd stdin_fd;
  Pipe out;
  std::optional<Pipe> err;
};

Result<std::unique_ptr<RealProcessRunner::Prepared>> RealProcessRunner::Prepare(
    const ProcessSpec& spec) const {
  auto prepared = std::make_unique<Prepared>();
  SpawnRequest& request = prepared->request;
  ASSIGN_OR_RETURN(request.path, ResolveProgram(spec.argv[0], spec.env));
  request.argv = spec.argv;
  request.env = spec.env;
  request.cwd = spec.cwd;
  if (!pids_parent_.empty() || !memory_parent_.empty()) {
    ASSIGN_OR_RETURN(Cgroup group,
                     Cgroup::Create(CgroupSupport{pids_parent_, memory_parent_},
                                    spec.limits.max_processes, spec.limits.memory_bytes));
    prepared->cgroup.emplace(std::move(group));
    for (const std::string& procs :
         {prepared->cgroup->pids_procs(), prepared->cgroup->memory_procs()}) {
      if (!procs.empty()) request.cgroup_procs.push_back(procs);
    }
  }
  request.rlimits = RlimitsFor(spec.limits, !pids_parent_.empty(), !memory_parent_.empty());
  ASSIGN_OR_RETURN(request.setup, ChildSetup::Prepare(spec));
  ASSIGN_OR_RETURN(prepared->stdin_fd, MakeStdin(spec.stdin_text));
  ASSIGN_OR_RETURN(prepared->out, MakeOutputPipe());
  if (!spec.merge_stderr) {
    ASSIGN_OR_RETURN(Pipe pipe, MakeOutputPipe());
    prepared->err.emplace(std::move(pipe));
  }
  request.stdin_fd = prepared->stdin_fd.get();
  request.stdout_fd = prepared->out.write_end.get();
  request.stderr_fd =
      prepared->err ? prepared->err->write_end.get() : prepared->out.write_end.get();
  return prepared;
}

Result<ProcessResult> RealProcessRunner::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return InvalidArgumentError("empty argv");
  if (spec.time_limit.count() <= 0) return InvalidArgumentError("time limit must be positive");
  ASSIGN_OR_RETURN(std::unique_ptr<Prepared> prepared, Prepare(spec));

  Steady::time_point start = Steady::now();
  Steady::time_point deadline = start + spec.time_limit;
  ASSIGN_OR_RETURN(pid_t pid, SpawnChild(prepared->request));
  // Only the child holds the write ends now, so end of file means it closed them.
  prepared->out.write_end.Reset();
  if (prepared->err) prepared->err->write_end.Reset();
  prepared->stdin_fd.Reset();

  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    Status status = ErrnoError("pidfd_open");
    killpg(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return status;
  }

  Stream streams[2] = {Stream{std::move(prepared->out.read_end),
                              HeadTailBuffer(spec.output_head_bytes, spec.output_tail_bytes)},
                       Stream{prepared->err ? std::move(prepared->err->read_end) : UniqueFd(),
                              HeadTailBuffer(spec.output_head_bytes, spec.output_tail_bytes)}};
  ProcessResult result;
  bool exited = false;
  while (!exited && Steady::now() < deadline) {
    exited = PollOnce(streams, 2, pidfd.get(), deadline);
  }
  result.timed_out = !exited;
  KillAndReap(pid, prepared->cgroup, result);
  result.duration = Steady::now() - start;
  // Everyone holding the pipes is dead (or escaped in degraded mode: bounded wait).
  Steady::time_point drain_deadline = Steady::now() + std::chrono::milliseconds(200);
  while ((streams[0].fd.valid() || streams[1].fd.valid()) && Steady::now() < drain_deadline) {
    PollOnce(streams, 2, -1, drain_deadline);
  }
  FillOutput(streams[0].buffer, result.stdout_text, result.stdout_truncated, result.stdout_bytes);
  FillOutput(streams[1].buffer, result.stderr_text, result.stderr_truncated, result.stderr_bytes);
  return result;
}

}  // namespace mh::sandbox
