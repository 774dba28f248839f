#include "terminal/launch.h"

#include <sys/resource.h>

#include <string_view>

#include "sandbox/child_setup.h"
#include "sandbox/sandbox.h"

namespace mh::terminal {
namespace {

// The name part of "NAME=value", '=' included.
std::string_view NamePart(std::string_view entry) {
  size_t eq = entry.find('=');
  return eq == std::string_view::npos ? entry : entry.substr(0, eq + 1);
}

std::vector<std::string> MergeEnv(std::vector<std::string> base,
                                  const std::vector<std::string>& extra) {
  for (const std::string& entry : extra) {
    std::string_view name = NamePart(entry);
    std::erase_if(base, [name](const std::string& e) { return NamePart(e) == name; });
    base.push_back(entry);
  }
  return base;
}

std::vector<sandbox::RlimitSetting> Rlimits(const sandbox::ResourceLimits& limits) {
  std::vector<sandbox::RlimitSetting> out;
  if (limits.file_size_bytes > 0) out.push_back({RLIMIT_FSIZE, limits.file_size_bytes});
  if (limits.cpu_seconds > 0) out.push_back({RLIMIT_CPU, limits.cpu_seconds});
  out.push_back({RLIMIT_CORE, 0});
  return out;
}

}  // namespace

std::string ProgramCwd(const tools::ToolContext& ctx) {
  const tools::Workspace& workspace = ctx.workspace();
  return workspace.mount_path.empty() ? workspace.root.string() : workspace.mount_path;
}

Result<PtyOptions> PrepareLaunch(const LaunchRequest& request, tools::ToolContext& ctx) {
  if (request.argv.empty()) return InvalidArgumentError("empty argv");
  sandbox::ProcessRunner* runner = ctx.command_runner();
  if (runner == nullptr) {
    return FailedPreconditionError("no sandbox in this session, so no program may be started");
  }
  PtyOptions options;
  options.rows = request.rows;
  options.cols = request.cols;
  options.raw = request.raw;
  options.argv = {"setsid", "-w", "-c"};
  options.argv.insert(options.argv.end(), request.argv.begin(), request.argv.end());
  auto* sandboxed = dynamic_cast<sandbox::SandboxedRunner*>(runner);
  if (sandboxed == nullptr) {
    options.env =
        MergeEnv({"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"}, request.env);
    options.cwd = ctx.workspace().root.string();
    return options;
  }
  const sandbox::Sandbox& box = sandboxed->sandbox();
  sandbox::ProcessSpec spec;
  spec.argv = options.argv;
  spec.env = MergeEnv(box.DefaultEnv(), request.env);
  spec.cwd = ProgramCwd(ctx);
  ASSIGN_OR_RETURN(sandbox::ProcessSpec wrapped, box.Wrap(spec));
  options.argv = std::move(wrapped.argv);
  options.env = std::move(wrapped.env);
  options.cwd = std::string(1, '/');  // Not = "/": a GCC 12 -Wrestrict false positive.
  options.rlimits = Rlimits(wrapped.limits);
  ASSIGN_OR_RETURN(options.setup, sandbox::ChildSetup::Prepare(wrapped));
  return options;
}

}  // namespace mh::terminal
