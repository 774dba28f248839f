// Desktop benchmarks on a real Xvfb 1280x800 showing xterm (with text) and xcalc:
//  - capture + PNG encode, against `import -window root` and `scrot`;
//  - click + settle + screenshot on a static UI, against `xdotool click` + `sleep 0.1`
//    + `scrot`;
//  - typing speed into xterm, in characters per second.
// Run: build-*/bench/desktop/desktop_bench --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "desktop/desktop.h"
#include "desktop/xvfb.h"
#include "sandbox/process.h"

namespace mh::desktop {
namespace {

struct Fixture {
  std::unique_ptr<VirtualDisplay> display;
  std::unique_ptr<Desktop> desktop;
  std::unique_ptr<sandbox::RealProcessRunner> runner;
  std::vector<std::thread> apps;

  Fixture() {
    display = VirtualDisplay::Start({}).value();
    desktop = Desktop::Connect(display->name(), display->auth_file()).value();
    runner = sandbox::RealProcessRunner::Create({.use_cgroups = false}).value();
    Launch({"xterm", "-geometry", "100x30+0+0", "-e", "sh", "-c",
            "ls -l /usr/bin | head -40; cat > /dev/null"});
    Launch({"xcalc", "-geometry", "+800+100"});
    desktop->Settle().value();
  }
  ~Fixture() {
    desktop.reset();
    display.reset();
    for (std::thread& t : apps) t.join();
  }
  std::vector<std::string> Env() const {
    std::vector<std::string> env = display->ClientEnv();
    env.push_back("PATH=/usr/bin:/bin");
    env.push_back("HOME=/tmp");
    return env;
  }
  void Launch(std::vector<std::string> argv) {
    sandbox::ProcessSpec spec{.argv = std::move(argv), .env = Env()};
    spec.time_limit = std::chrono::minutes(30);
    apps.emplace_back([this, spec] { (void)runner->Run(spec); });
    desktop->WaitForWindow(std::chrono::seconds(10)).value();
  }
  void RunTool(std::vector<std::string> argv) {
    sandbox::ProcessSpec spec{.argv = std::move(argv), .env = Env()};
    auto result = runner->Run(spec);
    if (!result.ok() || !result->ok()) std::abort();
  }
};

Fixture& Shared() {
  static Fixture fixture;  // Destroyed at exit: Xvfb stopped, the apps end with it.
  return fixture;
}

void BM_CaptureAndPng(benchmark::State& state) {
  Fixture& f = Shared();
  size_t bytes = 0;
  for (auto _ : state) {
    Image image = f.desktop->Capture().value();
    bytes = EncodePng(image).value().size();
  }
  state.counters["png_kb"] = static_cast<double>(bytes) / 1024;
}
BENCHMARK(BM_CaptureAndPng)->Unit(benchmark::kMillisecond);

void BM_CaptureOnly(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(f.desktop->Capture().value());
}
BENCHMARK(BM_CaptureOnly)->Unit(benchmark::kMillisecond);

void BM_ImportWindowRoot(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) f.RunTool({"import", "-window", "root", "/tmp/mh-bench-import.png"});
}
BENCHMARK(BM_ImportWindowRoot)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_Scrot(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) f.RunTool({"scrot", "-o", "/tmp/mh-bench-scrot.png"});
}
BENCHMARK(BM_Scrot)->Unit(benchmark::kMillisecond)->Iterations(10);

// A click on the xterm's text (static: nothing redraws), settle, screenshot.
void BM_ClickSettleScreenshot(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.desktop->MoveMouse({300, 500}).ok()) std::abort();
  for (auto _ : state) {
    if (!f.desktop->Click(MouseButton::kLeft, 1).ok()) std::abort();
    f.desktop->Settle().value();
    EncodePng(f.desktop->Capture().value()).value();
  }
}
BENCHMARK(BM_ClickSettleScreenshot)->Unit(benchmark::kMillisecond)->Iterations(20);

void BM_XdotoolClickSleepScrot(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    f.RunTool({"xdotool", "mousemove", "300", "500", "click", "1"});
    f.RunTool({"sleep", "0.1"});
    f.RunTool({"scrot", "-o", "/tmp/mh-bench-scrot.png"});
  }
}
BENCHMARK(BM_XdotoolClickSleepScrot)->Unit(benchmark::kMillisecond)->Iterations(10);

// Typing into xterm (running cat): 500 characters per iteration, delivered to the
// server; chars/s in the counter.
void BM_Type(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.desktop->MoveMouse({300, 300}).ok()) std::abort();
  std::string text;
  for (int i = 0; i < 10; ++i) text += "the quick brown fox jumps over the lazy dog 0123, ";
  for (auto _ : state) {
    if (!f.desktop->Type(text).ok()) std::abort();
  }
  state.counters["chars_per_s"] = benchmark::Counter(
      static_cast<double>(text.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Type)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mh::desktop

BENCHMARK_MAIN();
