#include "sandbox/environment.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr char kCurrentFile[] = "current";
constexpr size_t kLogTail = 4000;

// FNV-1a: stable across runs and builds, which std::hash is not promised to be.
std::string Fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteText(const fs::path& path, const std::string& text) {
  fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return InternalError("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return InternalError("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

// Moves a tree, copying when it lies on another file system (a workspace disk).
Status MoveTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::rename(from, to, ec);
  if (!ec) return Status::Ok();
  ec.clear();
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return InternalError("cannot keep " + from.string() + ": " + ec.message());
  fs::remove_all(from, ec);
  return Status::Ok();
}

std::string Tail(const std::string& text) {
  return text.size() <= kLogTail ? text : "..." + text.substr(text.size() - kLogTail);
}

}  // namespace

std::vector<std::string> MissingPackages(ProcessRunner& runner,
                                         const std::vector<std::string>& packages) {
  std::vector<std::string> missing;
  for (const std::string& package : packages) {
    ProcessSpec spec{.argv = {"dpkg-query", "-W", "-f=${Status}", "--", package},
                     .env = {"PATH=/usr/bin:/bin"},
                     .time_limit = std::chrono::seconds(30)};
    Result<ProcessResult> query = runner.Run(spec);
    if (!query.ok() || query->stdout_text.find("install ok installed") == std::string::npos) {
      missing.push_back(package);
    }
  }
  return missing;
}

Environment::Environment(std::string dir) : dir_(std::move(dir)) {
  std::string name = ReadText(fs::path(dir_) / kCurrentFile);
  while (!name.empty() && name.back() == '\n') name.pop_back();
  if (name.empty() || name.find('/') != std::string::npos) return;
  std::istringstream record(ReadText(fs::path(dir_) / name / "generation"));
  Generation generation;
  generation.name = name;
  std::getline(record, generation.stamp);
  for (std::string line; std::getline(record, line);) {
    if (!line.empty()) generation.kept.push_back(line);
  }
  if (!generation.stamp.empty()) current_ = std::move(generation);
}

Result<std::string> Environment::Stamp(const EnvironmentSpec& spec, WorktreeManager& worktrees,
                                       const std::string& commit) const {
  std::string text = "setup:\n";
  for (const std::string& command : spec.setup) text += command + "\n--\n";
  for (const std::string& input : spec.inputs) {
    ASSIGN_OR_RETURN(std::optional<std::string> content, worktrees.FileAt(commit, input));
    text += "input " + input + " " + (content ? Fnv1a(*content) : "absent") + "\n";
  }
  return Fnv1a(text);
}

bool Environment::Current(const std::string& stamp) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !current_.name.empty() && current_.stamp == stamp;
}

Status Environment::Run(const std::vector<std::string>& commands, ProcessRunner& runner,
                        const SandboxConfig& config, std::string& log) const {
  ASSIGN_OR_RETURN(Sandbox sandbox, Sandbox::Create(config));
  SandboxedRunner sandboxed(runner, std::move(sandbox));
  for (const std::string& command : commands) {
    ProcessSpec spec{.argv = {"bash", "-e", "-c", command},
                     .env = sandboxed.sandbox().DefaultEnv(),
                     .time_limit = std::chrono::minutes(30)};
    spec.merge_stderr = true;
    log += "$ " + command + "\n";
    ASSIGN_OR_RETURN(ProcessResult result, sandboxed.Run(spec));
    log += result.stdout_text;
    if (!result.ok()) {
      std::string how = result.timed_out ? "timed out" : "exit " + std::to_string(result.exit_code);
      return FailedPreconditionError("environment set-up failed (" + how + "): " + command + "\n" +
                                     Tail(result.stdout_text));
    }
  }
  return Status::Ok();
}

Status Environment::Prepare(const EnvironmentSpec& spec, WorktreeManager& worktrees,
                            ProcessRunner& runner, const std::string& commit,
                            const std::string& stamp, const SandboxConfig& base) {
  Generation generation{.name = "gen-" + stamp.substr(0, 16), .stamp = stamp, .kept = {}};
  fs::path root = fs::path(dir_) / generation.name;
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root / "opt" / "home", ec);
  if (ec) return InternalError("cannot create " + root.string() + ": " + ec.message());
  // A name of its own per process, so a set-up killed half-way is never in the way.
  std::string name = "env-setup-" + stamp.substr(0, 8) + "-" + std::to_string(getpid());
  (void)worktrees.Remove(worktrees.Describe(name, "macrohard/" + name, commit));
  ASSIGN_OR_RETURN(Worktree workspace, worktrees.Add(name, "macrohard/" + name, commit));
  SandboxConfig config = base;
  config.worktree = workspace.path;
  config.mount_point.clear();
  config.network = true;  // The one phase with the network.
  config.extra_read_only = WorkspaceReadOnlyPaths(workspace);
  config.binds.push_back({(root / "opt").string(), kEnvironmentMount, true});
  AddGenerationTo(root.string(), generation, config);
  // HOME persists too: `pip install --user`, caches and tools' settings land there.
  config.env_overrides.push_back(std::string("HOME=") + kEnvironmentMount + "/home");
  std::string log;
  Status ran = Run(spec.setup, runner, config, log);
  Status logged = WriteText(fs::path(dir_) / "setup.log", log);
  if (ran.ok()) {
    // What set-up made that git ignores goes to every later workspace.
    Result<std::vector<std::string>> made = worktrees.IgnoredFiles(workspace);
    if (!made.ok()) ran = made.status();
    for (const std::string& path : made.ok() ? *made : std::vector<std::string>()) {
      std::string kept = path.back() == '/' ? path.substr(0, path.size() - 1) : path;
      if (kept.empty()) continue;
      if (ran = MoveTree(fs::path(workspace.path) / kept, root / "tree" / kept); !ran.ok()) break;
      generation.kept.push_back(kept);
    }
  }
  (void)worktrees.Discard(workspace);
  RETURN_IF_ERROR(ran);
  RETURN_IF_ERROR(logged);
  std::string record = stamp + "\n";
  for (const std::string& kept : generation.kept) record += kept + "\n";
  RETURN_IF_ERROR(WriteText(root / "generation", record));
  RETURN_IF_ERROR(WriteText(fs::path(dir_) / kCurrentFile, generation.name + "\n"));
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = std::move(generation);
  return Status::Ok();
}

void Environment::AddGenerationTo(const std::string& root, const Generation& generation,
                                  SandboxConfig& config) {
  std::string inside = config.mount_point.empty() ? config.worktree : config.mount_point;
  for (const std::string& kept : generation.kept) {
    config.binds.push_back({root + "/tree/" + kept, inside + "/" + kept, false});
  }
  std::string env = kEnvironmentMount;
  config.path_prefix.insert(
      config.path_prefix.end(),
      {env + "/bin", env + "/venv/bin", env + "/home/.local/bin", inside + "/node_modules/.bin"});
  config.env_overrides.insert(
      config.env_overrides.end(),
      {"MH_ENV=" + env, "PYTHONUSERBASE=" + env + "/home/.local", "npm_config_cache=/tmp/.npm"});
}

void Environment::Apply(SandboxConfig& config) const {
  Generation generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = current_;
  }
  if (generation.name.empty()) return;
  std::string root = (fs::path(dir_) / generation.name).string();
  config.binds.push_back({root + "/opt", kEnvironmentMount, false});
  AddGenerationTo(root, generation, config);
}

void Environment::RemoveStale() {
  std::string keep;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    keep = current_.name;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("gen-", 0) == 0 && name != keep) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace mh::sandbox
