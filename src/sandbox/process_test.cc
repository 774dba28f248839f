#include "sandbox/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "sandbox/cgroup.h"
#include "sandbox/output_buffer.h"
#include "sandbox/test_util.h"

namespace mh::sandbox {
namespace {

using testing::MinimalEnv;
using testing::ProcessAlive;
using testing::TempDir;

std::unique_ptr<RealProcessRunner> MakeRunner(bool use_cgroups = true) {
  ProcessRunnerOptions options;
  options.use_cgroups = use_cgroups;
  auto runner = RealProcessRunner::Create(options);
  EXPECT_TRUE(runner.ok()) << runner.status().ToString();
  return std::move(runner).value();
}

ProcessSpec Bash(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"bash", "-c", script};
  spec.env = MinimalEnv();
  spec.time_limit = std::chrono::seconds(20);
  return spec;
}

ProcessResult RunOk(ProcessRunner& runner, const ProcessSpec& spec) {
  Result<ProcessResult> result = runner.Run(spec);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? std::move(result).value() : ProcessResult{};
}

TEST(ProcessRunnerTest, ReportsExitCodeAndSeparateStreams) {
  auto runner = MakeRunner();
  ProcessResult result = RunOk(*runner, Bash("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.term_signal, 0);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.stdout_text, "out\n");
  EXPECT_EQ(result.stderr_text, "err\n");
}

TEST(ProcessRunnerTest, MergesStderrIntoStdoutWhenAsked) {
  auto runner = MakeRunner();
  ProcessSpec spec = Bash("echo one; echo two >&2; echo three");
  spec.merge_stderr = true;
  ProcessResult result = RunOk(*runner, spec);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.stdout_text, "one\ntwo\nthree\n");
  EXPECT_EQ(result.stderr_text, "");
}

TEST(ProcessRunnerTest, ReportsTheKillingSignal) {
  auto runner = MakeRunner();
  ProcessResult result = RunOk(*runner, Bash("kill -TERM $$"));
  EXPECT_EQ(result.term_signal, SIGTERM);
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_FALSE(result.timed_out);
}

TEST(ProcessRunnerTest, PassesOnlyTheExplicitEnvironment) {
  setenv("MH_PARENT_ONLY_VARIABLE", "parent-value", 1);
  auto runner = MakeRunner();
  ProcessSpec spec;
  spec.argv = {"env"};
  spec.env = {"PATH=/usr/bin:/bin", "GREETING=hello"};
  ProcessResult result = RunOk(*runner, spec);
  unsetenv("MH_PARENT_ONLY_VARIABLE");
  EXPECT_EQ(result.stdout_text, "PATH=/usr/bin:/bin\nGREETING=hello\n");
}

TEST(ProcessRunnerTest, FeedsStdinTextOrNothing) {
  auto runner = MakeRunner();
  ProcessSpec spec;
  spec.argv = {"cat"};
  spec.env = MinimalEnv();
  spec.stdin_text = "line one\nline two\n";
  EXPECT_EQ(RunOk(*runner, spec).stdout_text, "line one\nline two\n");
  spec.stdin_text.clear();
  ProcessResult empty = RunOk(*runner, spec);
  EXPECT_TRUE(empty.ok());
  EXPECT_EQ(empty.stdout_text, "");
}

TEST(ProcessRunnerTest, RunsInTheGivenDirectory) {
  auto runner = MakeRunner();
  TempDir dir;
  ProcessSpec spec = Bash("pwd; echo made > here.txt");
  spec.cwd = dir.str();
  EXPECT_EQ(RunOk(*runner, spec).stdout_text, dir.str() + "\n");
  EXPECT_EQ(testing::ReadFileOrEmpty(dir.path() / "here.txt"), "made\n");
}

TEST(ProcessRunnerTest, RefusesMissingProgramAndDirectory) {
  auto runner = MakeRunner();
  ProcessSpec spec;
  spec.argv = {"no-such-program-mh"};
  spec.env = MinimalEnv();
  EXPECT_EQ(runner->Run(spec).status().code(), StatusCode::kNotFound);
  spec.argv = {"true"};
  spec.cwd = "/no/such/dir";
  EXPECT_EQ(runner->Run(spec).status().code(), StatusCode::kNotFound);
  spec.argv.clear();
  EXPECT_EQ(runner->Run(spec).status().code(), StatusCode::kInvalidArgument);
}

TEST(ProcessRunnerTest, TimeLimitKillsTheWholeGroup) {
  auto runner = MakeRunner();
  ProcessSpec spec = Bash("sleep 100 & echo $!; sleep 100");
  spec.time_limit = std::chrono::milliseconds(300);
  ProcessResult result = RunOk(*runner, spec);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.term_signal, SIGKILL);
  EXPECT_LT(result.duration, std::chrono::seconds(5));
  pid_t background = std::stoi(result.stdout_text);
  EXPECT_FALSE(ProcessAlive(background));
}

// `cmd &` and `setsid cmd &` daemons die when their command exits, and the runner
// does not wait for them even though they hold the output pipe.
TEST(ProcessRunnerTest, DaemonsDoNotOutliveTheirCommand) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->cgroups_enabled()) << "this machine should have writable cgroup v1";
  ProcessResult result = RunOk(*runner, Bash("sleep 100 & echo $!; setsid sleep 100 & echo $!"));
  EXPECT_TRUE(result.ok());
  EXPECT_LT(result.duration, std::chrono::seconds(5));
  std::istringstream pids(result.stdout_text);
  pid_t first = 0, second = 0;
  pids >> first >> second;
  ASSERT_GT(first, 0);
  ASSERT_GT(second, 0);
  EXPECT_FALSE(ProcessAlive(first));
  EXPECT_FALSE(ProcessAlive(second));
}

// A run killed with SIGKILL cannot remove its cgroups; the next runner removes the empty
// groups of processes that are gone, and leaves those of live ones alone.
TEST(ProcessRunnerTest, StaleGroupsOfDeadProcessesAreRemoved) {
  CgroupSupport support = ProbeCgroups();
  ASSERT_FALSE(support.pids_parent.empty()) << "this machine should have writable cgroup v1";
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(waitpid(dead, nullptr, 0), dead);
  std::string stale = support.pids_parent + "/mh-" + std::to_string(dead) + "-test-0";
  std::string live = support.pids_parent + "/mh-" + std::to_string(getpid()) + "-test-0";
  ASSERT_EQ(mkdir(stale.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(live.c_str(), 0755), 0);
  ASSERT_TRUE(MakeRunner()->cgroups_enabled());
  struct stat info;
  EXPECT_NE(stat(stale.c_str(), &info), 0) << stale << " was left";
  EXPECT_EQ(stat(live.c_str(), &info), 0) << live << " was removed";
  rmdir(live.c_str());
}

TEST(ProcessRunnerTest, DegradedModeStillKillsTheProcessGroup) {
  auto runner = MakeRunner(/*use_cgroups=*/false);
  EXPECT_FALSE(runner->cgroups_enabled());
  ProcessResult result = RunOk(*runner, Bash("sleep 100 & echo $!"));
  EXPECT_TRUE(result.ok());
  EXPECT_FALSE(ProcessAlive(std::stoi(result.stdout_text)));
}

TEST(ProcessRunnerTest, LongOutputKeepsHeadAndTail) {
  auto runner = MakeRunner();
  ProcessSpec spec = Bash("echo START; head -c 256M /dev/zero; echo END");
  spec.output_head_bytes = 1000;
  spec.output_tail_bytes = 1000;
  ProcessResult result = RunOk(*runner, spec);
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.stdout_truncated);
  uint64_t total = 6 + (256ull << 20) + 4;
  EXPECT_EQ(result.stdout_bytes, total);
  EXPECT_EQ(result.stdout_text.substr(0, 9), std::string("START\n\0\0\0", 9));
  EXPECT_NE(result.stdout_text.find(ElisionMarker(total - 2000)), std::string::npos);
  EXPECT_EQ(result.stdout_text.substr(result.stdout_text.size() - 6), std::string("\0\0END\n", 6));
  EXPECT_EQ(result.stdout_text.size(), 2000 + ElisionMarker(total - 2000).size());
}

// Concurrent runs do not leak pipes into each other's children (a leaked write end
// would hold another run's output open) and keep their outputs apart.
TEST(ProcessRunnerTest, ConcurrentRunsStayApart) {
  auto runner = MakeRunner();
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Result<ProcessResult> result = runner->Run(Bash("echo " + std::to_string(t * 10 + i)));
        if (result.ok()) outputs[t] += result->stdout_text;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t t = 0; t < outputs.size(); ++t) {
    std::string expected;
    for (int i = 0; i < 5; ++i) expected += std::to_string(t * 10 + i) + "\n";
    EXPECT_EQ(outputs[t], expected);
  }
}

TEST(ProcessRunnerTest, FileSizeLimitStopsWrites) {
  auto runner = MakeRunner();
  TempDir dir;
  ProcessSpec spec = Bash("head -c 1M /dev/zero > big.bin");
  spec.cwd = dir.str();
  spec.limits.file_size_bytes = 64 * 1024;
  ProcessResult result = RunOk(*runner, spec);
  EXPECT_FALSE(result.ok());
  EXPECT_LE(std::filesystem::file_size(dir.path() / "big.bin"), 64u * 1024);
}

TEST(ProcessRunnerTest, CpuLimitStopsABusyLoop) {
  auto runner = MakeRunner();
  ProcessSpec spec = Bash("while :; do :; done");
  spec.limits.cpu_seconds = 1;
  ProcessResult result = RunOk(*runner, spec);
  EXPECT_FALSE(result.timed_out);
  EXPECT_TRUE(result.term_signal == SIGXCPU || result.term_signal == SIGKILL) << result.term_signal;
}

}  // namespace
}  // namespace mh::sandbox
