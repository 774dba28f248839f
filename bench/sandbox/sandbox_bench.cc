// Start-to-exit time of `true` through the process runner: unsandboxed, sandboxed
// with the production bubblewrap setup, and bubblewrap variants that show where the
// time goes (which namespaces, how many mounts, cgroup set-up).
//
// Run: build/bench/sandbox/sandbox_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>

#include "sandbox/process.h"
#include "sandbox/sandbox.h"

namespace mh::sandbox {
namespace {

std::unique_ptr<RealProcessRunner> MakeRunner(bool cgroups) {
  ProcessRunnerOptions options;
  options.use_cgroups = cgroups;
  return std::move(RealProcessRunner::Create(options)).value();
}

ProcessSpec TrueSpec() {
  ProcessSpec spec;
  spec.argv = {"/usr/bin/true"};
  spec.env = {"PATH=/usr/bin:/bin"};
  return spec;
}

double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Wall time is start-to-exit as the runner measured it (spawn, run, reap, kill,
// cleanup). child_cpu_ms is the CPU the children used (bwrap, its init, the
// command), which shared, loaded machines distort less than wall time.
void RunLoop(benchmark::State& state, ProcessRunner& runner, const ProcessSpec& spec) {
  double cpu_before = ChildrenCpuSeconds();
  for (auto _ : state) {
    Result<ProcessResult> result = runner.Run(spec);
    if (!result.ok() || !result->ok()) {
      state.SkipWithError("run failed");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(result->duration).count());
  }
  state.counters["child_cpu_ms"] = benchmark::Counter((ChildrenCpuSeconds() - cpu_before) * 1e3 /
                                                      static_cast<double>(state.iterations()));
}

void BM_Unsandboxed(benchmark::State& state) {
  auto runner = MakeRunner(state.range(0) != 0);
  RunLoop(state, *runner, TrueSpec());
}
BENCHMARK(BM_Unsandboxed)
    ->ArgName("cgroups")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// The production sandbox: what every agent command pays. `as_root` 1 keeps host root in
// the sandbox (host_uid 0: no idmapped mounts, no uid change), as before issue 9; 0 is the
// default, an unprivileged host user (run as root, that is what the hardening costs).
void BM_Sandboxed(benchmark::State& state) {
  auto runner = MakeRunner(state.range(0) != 0);
  std::string dir = std::filesystem::temp_directory_path() / "mh-bench-worktree";
  std::filesystem::create_directories(dir);
  SandboxConfig config;
  config.worktree = dir;
  if (state.range(1) != 0) config.host_uid = 0;
  Sandbox sandbox = std::move(Sandbox::Create(config)).value();
  ProcessSpec spec = std::move(sandbox.Wrap(TrueSpec())).value();
  RunLoop(state, *runner, spec);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Sandboxed)
    ->ArgNames({"cgroups", "as_root"})
    ->Args({1, 1})
    ->Args({1, 0})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// bwrap with a chosen set of flags, no cgroup, to attribute the cost.
void BwrapVariant(benchmark::State& state, std::vector<std::string> flags) {
  auto runner = MakeRunner(false);
  ProcessSpec spec = TrueSpec();
  // --new-session keeps the inner processes out of the runner's process group, so
  // the degraded-mode group wait does not count their reaping.
  std::vector<std::string> argv = {"/usr/bin/bwrap", "--new-session", "--ro-bind", "/usr",
                                   "/usr",           "--symlink",     "usr/lib",   "/lib",
                                   "--symlink",      "usr/lib64",     "/lib64"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("/usr/bin/true");
  spec.argv = argv;
  RunLoop(state, *runner, spec);
}
BENCHMARK_CAPTURE(BwrapVariant, mounts_only, {})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, pid, {"--unshare-pid"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, user, {"--unshare-user"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, net, {"--unshare-net"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, ipc_uts_cgroup,
                  {"--unshare-ipc", "--unshare-uts", "--unshare-cgroup"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, all, {"--unshare-all"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, all_but_net, {"--unshare-all", "--share-net"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BwrapVariant, proc_dev_tmp,
                  {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mh::sandbox

BENCHMARK_MAIN();
