// What a workspace disk quota (issue 9, src/sandbox/workspace_disk.h) costs:
//   BM_AddWorkspace/quota:0|1  WorktreeManager::Add of a session workspace for a
//                              repository of 10,000 files, without and with a disk
//                              (template copy, loop device, mount, then the clone).
//   BM_BuildC/quota:0|1        a small C build in the sandbox over the workspace: 50 .c
//                              files compiled and linked with make -j2, from clean.
// Wall time per iteration (manual time: the Add call, or the sandboxed run's duration).
// Needs root and loop devices for quota:1.
//
// Run: build/bench/sandbox/workspace_disk_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "sandbox/worktree.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;

RealProcessRunner& Runner() {
  static RealProcessRunner* runner = std::move(RealProcessRunner::Create()).value().release();
  return *runner;
}

bool Shell(const std::string& script, const std::string& cwd) {
  ProcessSpec spec;
  spec.argv = {"bash", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin",
              "HOME=" + cwd,
              "GIT_CONFIG_NOSYSTEM=1",
              "GIT_AUTHOR_NAME=b",
              "GIT_AUTHOR_EMAIL=b@example.com",
              "GIT_COMMITTER_NAME=b",
              "GIT_COMMITTER_EMAIL=b@example.com"};
  spec.cwd = cwd;
  spec.time_limit = std::chrono::minutes(5);
  Result<ProcessResult> result = Runner().Run(spec);
  return result.ok() && result->ok();
}

// A directory of our own for the whole run, removed at exit.
const std::string& BenchDir() {
  static std::string dir = [] {
    std::string path = (fs::temp_directory_path() / "mh-disk-bench-XXXXXX").string();
    if (mkdtemp(path.data()) == nullptr) abort();
    return path;
  }();
  return dir;
}

// `<BenchDir>/<name>`: a repository whose first commit `script` makes (run inside it).
std::string Repo(const std::string& name, const std::string& script) {
  std::string path = BenchDir() + "/" + name;
  if (!fs::exists(path)) {
    fs::create_directories(path);
    if (!Shell("git init -q -b main . && " + script + " && git add -A && git commit -qm init",
               path)) {
      abort();
    }
  }
  return path;
}

std::unique_ptr<WorktreeManager> Manager(const std::string& repo, bool quota) {
  WorkspaceOptions options;
  options.disk_quota_bytes = quota ? 8ull << 30 : 0;
  std::string root = repo + (quota ? "-ws-quota" : "-ws-plain");
  return std::move(WorktreeManager::Create(Runner(), repo, root, options)).value();
}

void BM_AddWorkspace(benchmark::State& state) {
  bool quota = state.range(0) != 0;
  std::string repo = Repo("files10k",
                          "for d in $(seq 100); do mkdir d$d; for f in $(seq 100); do "
                          "echo \"file $d/$f\" > d$d/f$f.txt; done; done");
  std::unique_ptr<WorktreeManager> manager = Manager(repo, quota);
  if (quota && !manager->disk_quota_enabled()) {
    state.SkipWithError("no disk quota here (not root or no loop devices)");
    return;
  }
  int n = 0;
  for (auto _ : state) {
    std::string name = "b" + std::to_string(n++);
    auto start = std::chrono::steady_clock::now();
    Result<Worktree> added = manager->Add(name, "bench/" + name, "main");
    auto took = std::chrono::steady_clock::now() - start;
    if (!added.ok()) {
      state.SkipWithError(added.status().ToString().c_str());
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(took).count());
    state.PauseTiming();
    (void)manager->Discard(*added);
    state.ResumeTiming();
  }
}
// The layout before issue 9, for comparison: `git worktree add` of a new branch (the
// worktree's metadata lives in the repository, outside any sandbox).
void BM_GitWorktreeAdd(benchmark::State& state) {
  std::string repo = Repo("files10k",
                          "for d in $(seq 100); do mkdir d$d; for f in $(seq 100); do "
                          "echo \"file $d/$f\" > d$d/f$f.txt; done; done");
  int n = 0;
  for (auto _ : state) {
    std::string name = "wt" + std::to_string(n++);
    std::string path = repo + "-worktrees/" + name;
    auto start = std::chrono::steady_clock::now();
    bool made = Shell("git worktree add -q -b bench-wt/" + name + " " + path + " main", repo);
    auto took = std::chrono::steady_clock::now() - start;
    if (!made) {
      state.SkipWithError("git worktree add failed");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(took).count());
    state.PauseTiming();
    Shell("git worktree remove --force " + path + " && git branch -q -D bench-wt/" + name, repo);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_GitWorktreeAdd)->UseManualTime()->Unit(benchmark::kMillisecond);

BENCHMARK(BM_AddWorkspace)
    ->ArgName("quota")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_BuildC(benchmark::State& state) {
  bool quota = state.range(0) != 0;
  std::string repo = Repo("csmall",
                          "for i in $(seq 50); do printf 'int f%d(int x) { int s = 0; for (int "
                          "i = 0; i < x; ++i) s += i * %d; return s; }\\n' $i $i > f$i.c; done; "
                          "echo 'int main(void) { return 0; }' > main.c; "
                          "printf 'SRC := $(wildcard *.c)\\napp: $(SRC:.c=.o)\\n\\t$(CC) -o $@ "
                          "$^\\n%%.o: %%.c\\n\\t$(CC) -O2 -c -o $@ $<\\n' > Makefile");
  std::unique_ptr<WorktreeManager> manager = Manager(repo, quota);
  if (quota && !manager->disk_quota_enabled()) {
    state.SkipWithError("no disk quota here (not root or no loop devices)");
    return;
  }
  Worktree ws = std::move(manager->Add("build", "bench/build", "main")).value();
  SandboxConfig config;
  config.worktree = ws.path;
  config.extra_read_only = WorkspaceReadOnlyPaths(ws);
  SandboxedRunner sandboxed(Runner(), std::move(Sandbox::Create(config)).value());
  ProcessSpec spec;
  spec.argv = {"bash", "-c", "rm -f *.o app && make -s -j2 CC=gcc"};
  spec.env = sandboxed.sandbox().DefaultEnv();
  spec.time_limit = std::chrono::minutes(2);
  for (auto _ : state) {
    Result<ProcessResult> result = sandboxed.Run(spec);
    if (!result.ok() || !result->ok()) {
      state.SkipWithError(result.ok() ? result->stderr_text.c_str() : "run failed");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(result->duration).count());
  }
  (void)manager->Discard(ws);
}
BENCHMARK(BM_BuildC)->ArgName("quota")->Arg(0)->Arg(1)->UseManualTime()->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace mh::sandbox

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ignored;
  std::filesystem::remove_all(mh::sandbox::BenchDir(), ignored);
  return 0;
}
