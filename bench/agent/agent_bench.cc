// agent_bench: CPU the session loop spends per step beyond the tool's own work.
//
// A session of N steps: an in-process model that answers at once (each reply one `echo`
// call, the last one `submit`), a trivial in-process tool (no process), and a real SQLite
// store with the durability `macrohard solve` uses (kNormal; every step appended before
// the next). CPU is getrusage(RUSAGE_SELF) user+system around RunSession; the figure is
// the median over repetitions of CPU / steps.
//
//   agent_bench [--steps N] [--reps R] [--dir DIR]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/session.h"
#include "sandbox/process.h"
#include "store/store.h"
#include "tools/builtin_tools.h"

namespace {

using namespace mh;

class InstantModel final : public llm::Model {
 public:
  explicit InstantModel(int steps) : steps_(steps) {}
  const std::string& name() const override { return name_; }
  llm::CallId Complete(llm::ModelRequest, std::unique_ptr<llm::CompletionObserver> o) override {
    ++calls_;
    llm::ToolCall call;
    call.id = "call_" + std::to_string(calls_);
    call.name = calls_ < steps_ ? "echo" : "submit";
    call.raw_arguments = calls_ < steps_ ? R"({"text":"step output, a short line of text"})"
                                         : R"({"summary":"done"})";
    llm::ParseToolArguments(call);
    llm::ModelResponse r;
    r.message = llm::Message::Assistant("Next I run echo.", {call});
    r.stop_reason = llm::StopReason::kToolUse;
    r.usage = {
        .input_tokens = 1000, .output_tokens = 20, .cache_read_tokens = 0, .cache_write_tokens = 0};
    r.cost_usd = 0.001;
    o->OnComplete(std::move(r));
    return calls_;
  }
  void Cancel(llm::CallId) override {}

 private:
  std::string name_ = "instant";
  int steps_;
  int calls_ = 0;
};

class EchoTool final : public tools::Tool {
 public:
  const std::string& name() const override { return name_; }
  const std::string& description() const override { return description_; }
  const Json& parameters() const override { return parameters_; }
  tools::ToolResult Run(const Json& args, tools::ToolContext&) const override {
    return tools::ToolResult::Text(args.at("text").get<std::string>());
  }

 private:
  std::string name_ = "echo";
  std::string description_ = "Echoes text.";
  Json parameters_ = Json::parse(
      R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})");
};

class NoRunner final : public sandbox::ProcessRunner {
 public:
  Result<sandbox::ProcessResult> Run(const sandbox::ProcessSpec&) override {
    return UnimplementedError("no processes");
  }
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One session of `steps` steps; returns CPU seconds per step, or a negative on failure.
double RunOnce(const std::filesystem::path& dir, int rep, int steps) {
  auto store = store::OpenSqliteStore((dir / ("bench" + std::to_string(rep) + ".db")).string(),
                                      {.durability = store::Durability::kNormal});
  if (!store.ok()) return -1;
  tools::ToolRegistry registry;
  if (!registry.Register(std::make_unique<EchoTool>()).ok() ||
      !registry.Register(tools::MakeSubmitTool()).ok()) {
    return -1;
  }
  NoRunner runner;
  auto ctx = tools::ToolContext::Create({.workspace = {.root = dir, .mount_path = ""},
                                         .limits = {},
                                         .clock = &SystemClock(),
                                         .runner = &runner,
                                         .command_runner = nullptr});
  if (!ctx.ok()) return -1;
  InstantModel model(steps);
  agent::SessionConfig config;
  config.id = "ses_bench";
  config.role_prompt = "You are a benchmark.";
  config.task = "Run echo many times.";
  config.limits.max_steps = steps + 1;
  auto session = agent::Session::Open({.model = &model,
                                       .registry = &registry,
                                       .tool_context = ctx->get(),
                                       .store = store->get(),
                                       .clock = &SystemClock()},
                                      config);
  if (!session.ok()) return -1;
  double before = CpuSeconds();
  agent::SessionResult result = agent::RunSession(**session);
  double cpu = CpuSeconds() - before;
  if (result.outcome != agent::Outcome::kSubmitted || result.totals.steps != steps) return -1;
  return cpu / steps;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 100;
  int reps = 7;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("agent_bench_" + std::to_string(getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  std::filesystem::create_directories(dir);
  std::vector<double> per_step;
  for (int rep = 0; rep < reps; ++rep) {
    double cpu = RunOnce(dir, rep, steps);
    if (cpu < 0) {
      std::fprintf(stderr, "agent_bench: the session failed\n");
      return 1;
    }
    per_step.push_back(cpu);
  }
  std::filesystem::remove_all(dir);
  std::sort(per_step.begin(), per_step.end());
  std::printf("steps %d  reps %d  cpu/step ms: median %.3f  min %.3f  max %.3f\n", steps, reps,
              per_step[per_step.size() / 2] * 1e3, per_step.front() * 1e3, per_step.back() * 1e3);
  return 0;
}
