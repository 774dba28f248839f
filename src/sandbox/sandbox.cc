#include "sandbox/sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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
  if (access(config.bwrap_path.c_str(), X_OK) != 0) {
    return NotFoundError("bubblewrap not found at " + config.bwrap_path +
                         " (Debian package bubblewrap)");
  }
  return Sandbox(std::move(config));
}

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
  Add(args, {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp",
             "--tmpfs", "/run"});
  for (const std::string& path : config_.extra_read_only) Add(args, {"--ro-bind", path, path});
  // Last, so that a mount point under /tmp lands on the private /tmp.
  Add(args, {"--bind", config_.worktree, config_.mount_point});
  return args;
}

Result<ProcessSpec> Sandbox::Wrap(const ProcessSpec& spec) const {
  if (spec.argv.empty()) return InvalidArgumentError("empty argv");
  std::string cwd = spec.cwd.empty() ? config_.mount_point : spec.cwd;
  if (cwd[0] != '/') return InvalidArgumentError("sandbox cwd must be absolute: " + cwd);

  ProcessSpec wrapped = spec;
  wrapped.argv = {config_.bwrap_path, "--unshare-all"};
  if (config_.network) wrapped.argv.push_back("--share-net");
  Add(wrapped.argv,
      {"--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox"});
  for (std::string& arg : FilesystemArgs()) wrapped.argv.push_back(std::move(arg));
  Add(wrapped.argv, {"--chdir", cwd, "--clearenv"});
  for (size_t i = 0; i < spec.env.size(); ++i) {
    const std::string& entry = spec.env[i];
    size_t eq = entry.find('=');
    // The entry itself is not quoted: it may hold a value that must not be logged.
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("environment entry #" + std::to_string(i) + " is not NAME=value");
    }
    Add(wrapped.argv, {"--setenv", entry.substr(0, eq), entry.substr(eq + 1)});
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

std::vector<std::string> Sandbox::DefaultEnv() const {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp",
          "LANG=C.UTF-8", "TERM=dumb"};
}

Result<ProcessResult> SandboxedRunner::Run(const ProcessSpec& spec) {
  ASSIGN_OR_RETURN(ProcessSpec wrapped, sandbox_.Wrap(spec));
  return inner_.Run(wrapped);
}

}  // namespace mh::sandbox
