#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "sandbox/seccomp.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;

// System directories shown read-only. On merged-/usr systems /bin, /lib... are
// symlinks into /usr and are recreated as symlinks.
constexpr const char* kSystemPaths[] = {"/usr",   "/bin",   "/sbin",   "/lib",
                                        "/lib32", "/lib64", "/libx32", "/etc"};
// Readable by uid 0 inside, worthless to a command, valuable to an attacker.
constexpr const char* kMaskedFiles[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",
                                        "/etc/gshadow-", "/etc/sudoers"};
constexpr const char* kMaskedDirs[] = {"/etc/ssh", "/etc/sudoers.d", "/etc/ssl/private"};

void Add(std::vector<std::string>& args, std::initializer_list<std::string> more) {
  args.insert(args.end(), more.begin(), more.end());
}

uint64_t OrDefault(uint64_t value, uint64_t fallback) { return value > 0 ? value : fallback; }

// Descriptor numbers the child gives bwrap (ProcessSpec::child_files).
constexpr int kSeccompFd = 3;
constexpr int kPasswdFd = 4;
constexpr int kGroupFd = 5;

// Names of the staged binds (RunAs) under the stage directory.
constexpr char kWorktreeStage[] = "w";
std::string ReadOnlyStage(size_t i) { return "r" + std::to_string(i); }
std::string BindStage(size_t i) { return "b" + std::to_string(i); }

std::string ReadFileOr(const std::string& path, const std::string& fallback) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fallback;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The host's /etc/passwd and /etc/group with the sandbox user added as "agent", so
// `whoami`, `id`, ssh and Python's getpass know it. Made once per user, in sealed memfds
// that live as long as the process; thread-safe.
Result<std::pair<std::string, std::string>> IdentityFiles(uint32_t uid, uint32_t gid) {
  static std::mutex mutex;
  static std::map<std::pair<uint32_t, uint32_t>, std::pair<std::string, std::string>>* made =
      new std::map<std::pair<uint32_t, uint32_t>, std::pair<std::string, std::string>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto found = made->find({uid, gid});
  if (found != made->end()) return found->second;
  std::string passwd = ReadFileOr("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  std::string group = ReadFileOr("/etc/group", "root:x:0:\n");
  if (!passwd.empty() && passwd.back() != '\n') passwd += '\n';
  if (!group.empty() && group.back() != '\n') group += '\n';
  passwd += "agent:x:" + std::to_string(uid) + ":" + std::to_string(gid) +
            ":Macrohard agent:/tmp:/bin/bash\n";
  group += "agent:x:" + std::to_string(gid) + ":\n";
  std::pair<std::string, std::string> paths;
  for (auto [text, path] : {std::pair{&passwd, &paths.first}, std::pair{&group, &paths.second}}) {
    int fd = memfd_create("mh-identity", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return InternalError(std::string("memfd_create: ") + std::strerror(errno));
    if (write(fd, text->data(), text->size()) != static_cast<ssize_t>(text->size())) {
      close(fd);
      return InternalError("cannot write the sandbox's /etc/passwd");
    }
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    *path = "/proc/self/fd/" + std::to_string(fd);  // Kept open for the process's life.
  }
  made->emplace(std::make_pair(uid, gid), paths);
  return paths;
}

// The stage directory must be ours and writable by nobody else: another user could
// otherwise swap what the sandbox user is shown.
Status PrepareStageDir(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentError("sandbox stage directory must be absolute: '" + path + "'");
  }
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("cannot create " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022) != 0) {
    return FailedPreconditionError(path + " must be a directory of ours that only we can write to");
  }
  return Status::Ok();
}

}  // namespace

Result<Sandbox> Sandbox::Create(SandboxConfig config) {
  if (config.worktree.empty() || config.worktree[0] != '/') {
    return InvalidArgumentError("sandbox worktree must be an absolute path: '" + config.worktree +
                                "'");
  }
  std::error_code ec;
  if (!fs::is_directory(config.worktree, ec)) {
    return NotFoundError("sandbox worktree does not exist: " + config.worktree);
  }
  if (config.mount_point.empty()) config.mount_point = config.worktree;
  if (config.mount_point[0] != '/') {
    return InvalidArgumentError("sandbox mount point must be absolute: " + config.mount_point);
  }
  for (const std::string& path : config.extra_read_only) {
    if (path.empty() || path[0] != '/') {
      return InvalidArgumentError("read-only bind must be an absolute path: '" + path + "'");
    }
  }
  for (const SandboxBind& bind : config.binds) {
    if (bind.source.empty() || bind.source[0] != '/' || bind.target.empty() ||
        bind.target[0] != '/') {
      return InvalidArgumentError("a bind needs absolute paths: '" + bind.source + "' at '" +
                                  bind.target + "'");
    }
    if (!fs::exists(bind.source, ec)) return NotFoundError("bind source missing: " + bind.source);
  }
  if (access(config.bwrap_path.c_str(), X_OK) != 0) {
    return NotFoundError("bubblewrap not found at " + config.bwrap_path +
                         " (Debian package bubblewrap)");
  }
  if (geteuid() == 0 && config.host_uid != 0) {
    if (config.host_gid == 0) {
      return InvalidArgumentError("the sandbox user needs a group other than root");
    }
    if (config.stage_dir.empty()) {
      config.stage_dir =
          (fs::temp_directory_path(ec) / ("macrohard-stage-" + std::to_string(geteuid()))).string();
    }
    RETURN_IF_ERROR(PrepareStageDir(config.stage_dir));
  }
  return Sandbox(std::move(config));
}

bool Sandbox::Privileged() const { return geteuid() == 0 && config_.host_uid != 0; }

std::vector<std::string> Sandbox::FilesystemArgs() const {
  std::vector<std::string> args;
  std::error_code ec;
  for (const char* path : kSystemPaths) {
    fs::file_status status = fs::symlink_status(path, ec);
    if (ec) continue;
    if (fs::is_symlink(status)) {
      Add(args, {"--symlink", fs::read_symlink(path, ec).string(), path});
    } else if (fs::is_directory(status)) {
      Add(args, {"--ro-bind", path, path});
    }
  }
  for (const char* file : kMaskedFiles) {
    if (fs::exists(file, ec)) Add(args, {"--ro-bind", "/dev/null", file});
  }
  for (const char* dir : kMaskedDirs) {
    if (fs::is_directory(dir, ec)) Add(args, {"--tmpfs", dir});
  }
  std::string tmp_size = std::to_string(config_.tmp_bytes);
  Add(args,
      {"--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev", "--size",
       tmp_size, "--tmpfs", "/tmp", "--size", tmp_size, "--tmpfs", "/var/tmp", "--tmpfs", "/run"});
  // Debian has python3 but no `python`; commands written for a developer's machine expect
  // one. The alias lives on the private /run, appended to PATH by DefaultEnv().
  if (fs::exists("/usr/bin/python3", ec) && !fs::exists("/usr/bin/python", ec)) {
    Add(args, {"--dir", "/run/macrohard/bin", "--symlink", "/usr/bin/python3",
               "/run/macrohard/bin/python"});
  }
  bool staged = Privileged();
  for (size_t i = 0; i < config_.extra_read_only.size(); ++i) {
    const std::string& path = config_.extra_read_only[i];
    Add(args, {"--ro-bind", staged ? config_.stage_dir + "/" + ReadOnlyStage(i) : path, path});
  }
  // Last, so that a mount point under /tmp lands on the private /tmp.
  Add(args, {"--bind", staged ? config_.stage_dir + "/" + kWorktreeStage : config_.worktree,
             config_.mount_point});
  for (size_t i = 0; i < config_.binds.size(); ++i) {
    const SandboxBind& bind = config_.binds[i];
    Add(args, {bind.writable ? "--bind" : "--ro-bind",
               staged ? config_.stage_dir + "/" + BindStage(i) : bind.source, bind.target});
  }
  return args;
}

Result<ProcessSpec> Sandbox::Wrap(const ProcessSpec& spec) const {
  if (spec.argv.empty()) return InvalidArgumentError("empty argv");
  std::string cwd = spec.cwd.empty() ? config_.mount_point : spec.cwd;
  if (cwd[0] != '/') return InvalidArgumentError("sandbox cwd must be absolute: " + cwd);

  ASSIGN_OR_RETURN(std::string seccomp, SeccompProgramPath());
  ProcessSpec wrapped = spec;
  wrapped.argv = {config_.bwrap_path, "--unshare-all", "--unshare-user"};
  if (config_.network) wrapped.argv.push_back("--share-net");
  Add(wrapped.argv,
      {"--disable-userns", "--assert-userns-disabled", "--die-with-parent", "--new-session",
       "--cap-drop", "ALL", "--hostname", "sandbox", "--seccomp", std::to_string(kSeccompFd)});
  wrapped.child_files = {{seccomp, kSeccompFd}};
  for (std::string& arg : FilesystemArgs()) wrapped.argv.push_back(std::move(arg));
  // After /etc is bound, so that the sandbox's passwd and group cover the host's.
  if (Privileged()) RETURN_IF_ERROR(AddIdentity(wrapped));
  Add(wrapped.argv, {"--chdir", cwd, "--clearenv"});
  std::vector<std::string> env = spec.env;
  for (const std::string& entry : config_.env_overrides) {
    std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    env.push_back(entry);
  }
  for (size_t i = 0; i < env.size(); ++i) {
    const std::string& entry = env[i];
    size_t eq = entry.find('=');
    // The entry itself is not quoted: it may hold a value that must not be logged.
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("environment entry #" + std::to_string(i) + " is not NAME=value");
    }
    std::string name = entry.substr(0, eq);
    std::string value = entry.substr(eq + 1);
    if (name == "PATH") {
      for (auto dir = config_.path_prefix.rbegin(); dir != config_.path_prefix.rend(); ++dir) {
        value = *dir + (value.empty() ? "" : ":") + value;
      }
    }
    Add(wrapped.argv, {"--setenv", name, value});
  }
  wrapped.argv.push_back("--");
  wrapped.argv.insert(wrapped.argv.end(), spec.argv.begin(), spec.argv.end());
  // bwrap itself gets no environment at all; the command gets spec.env via --setenv.
  wrapped.env.clear();
  wrapped.cwd = "/";

  const ResourceLimits& defaults = config_.default_limits;
  uint64_t processes = OrDefault(spec.limits.max_processes, defaults.max_processes);
  wrapped.limits.max_processes = processes > 0 ? processes + kSandboxProcessOverhead : 0;
  wrapped.limits.memory_bytes = OrDefault(spec.limits.memory_bytes, defaults.memory_bytes);
  wrapped.limits.cpu_seconds = OrDefault(spec.limits.cpu_seconds, defaults.cpu_seconds);
  wrapped.limits.file_size_bytes = OrDefault(spec.limits.file_size_bytes, defaults.file_size_bytes);
  return wrapped;
}

// Runs bwrap as the sandbox user with the worktree and read-only binds staged for it,
// and names that user in the sandbox's /etc/passwd and /etc/group.
Status Sandbox::AddIdentity(ProcessSpec& wrapped) const {
  wrapped.run_as = {
      .uid = config_.host_uid, .gid = config_.host_gid, .stage_dir = config_.stage_dir};
  wrapped.run_as.mounts.push_back({config_.worktree, kWorktreeStage, false});
  for (size_t i = 0; i < config_.extra_read_only.size(); ++i) {
    wrapped.run_as.mounts.push_back({config_.extra_read_only[i], ReadOnlyStage(i), true});
  }
  for (size_t i = 0; i < config_.binds.size(); ++i) {
    const SandboxBind& bind = config_.binds[i];
    wrapped.run_as.mounts.push_back({bind.source, BindStage(i), !bind.writable});
  }
  ASSIGN_OR_RETURN(auto identity, IdentityFiles(config_.host_uid, config_.host_gid));
  wrapped.child_files.push_back({identity.first, kPasswdFd});
  wrapped.child_files.push_back({identity.second, kGroupFd});
  Add(wrapped.argv, {"--ro-bind-data", std::to_string(kPasswdFd), "/etc/passwd", "--ro-bind-data",
                     std::to_string(kGroupFd), "/etc/group"});
  return Status::Ok();
}

std::vector<std::string> Sandbox::DefaultEnv() const {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/macrohard/bin",
          "HOME=/tmp", "LANG=C.UTF-8", "TERM=dumb"};
}

Result<ProcessResult> SandboxedRunner::Run(const ProcessSpec& spec) {
  ASSIGN_OR_RETURN(ProcessSpec wrapped, sandbox_.Wrap(spec));
  return inner_.Run(wrapped);
}

}  // namespace mh::sandbox
