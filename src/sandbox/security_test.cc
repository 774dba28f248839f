// Security tests: each attack must fail inside the sandbox. Where it helps to show
// the attack is real, the same command is first shown to work without the sandbox.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sandbox/output_buffer.h"
#include "sandbox/sandbox.h"
#include "sandbox/test_util.h"
#include "sandbox/unique_fd.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::LoopbackServer;
using testing::MinimalEnv;
using testing::ProcessAlive;
using testing::TempDir;

constexpr char kFakeKey[] = "sk-mh-fake-key-0123456789abcdef";

// The worktree is <tmp>/worktree; <tmp>/outside is a host directory the sandboxed
// command must not touch.
class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    worktree_ = root_.path() / "worktree";
    outside_ = root_.path() / "outside";
    fs::create_directories(worktree_);
    fs::create_directories(outside_);
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
    ASSERT_TRUE(runner_->cgroups_enabled());
  }

  SandboxedRunner Sandboxed(bool network = false) {
    SandboxConfig config;
    config.worktree = worktree_.string();
    config.network = network;
    auto sandbox = Sandbox::Create(config);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    return SandboxedRunner(*runner_, std::move(sandbox).value());
  }

  static ProcessSpec Bash(const std::string& script, std::vector<std::string> env) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = std::move(env);
    spec.time_limit = std::chrono::seconds(20);
    return spec;
  }

  ProcessResult RunSandboxed(const std::string& script, bool network = false) {
    SandboxedRunner sandboxed = Sandboxed(network);
    return Expect(sandboxed.Run(Bash(script, sandboxed.sandbox().DefaultEnv())));
  }

  ProcessResult RunOnHost(const std::string& script) {
    ProcessSpec spec = Bash(script, MinimalEnv());
    spec.cwd = worktree_.string();
    return Expect(runner_->Run(spec));
  }

  static ProcessResult Expect(Result<ProcessResult> result) {
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  TempDir root_;
  fs::path worktree_;
  fs::path outside_;
  std::unique_ptr<RealProcessRunner> runner_;
};

TEST_F(SecurityTest, CannotWriteOutsideThroughDotDot) {
  RunOnHost("echo x > ../outside/control.txt");
  ASSERT_TRUE(fs::exists(outside_ / "control.txt"));
  RunSandboxed("echo pwned > ../outside/dotdot.txt; echo pwned > ../../dotdot.txt");
  EXPECT_FALSE(fs::exists(outside_ / "dotdot.txt"));
  EXPECT_FALSE(fs::exists(root_.path().parent_path() / "dotdot.txt"));
}

TEST_F(SecurityTest, CannotWriteOutsideThroughAnAbsolutePath) {
  std::string target = (outside_ / "absolute.txt").string();
  ProcessResult result = RunSandboxed("echo pwned > " + target +
                                      "; echo pwned > /usr/mh-pwned; echo pwned > /etc/mh-pwned");
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists("/usr/mh-pwned"));
  EXPECT_FALSE(fs::exists("/etc/mh-pwned"));
  EXPECT_NE(result.stderr_text.find("Read-only file system"), std::string::npos)
      << result.stderr_text;
}

TEST_F(SecurityTest, CannotWriteOutsideThroughASymlink) {
  RunSandboxed("ln -s " + outside_.string() + " link && echo pwned > link/symlink.txt; " +
               "ln -s / rootlink && echo pwned > rootlink" + outside_.string() + "/root.txt");
  EXPECT_FALSE(fs::exists(outside_ / "symlink.txt"));
  EXPECT_FALSE(fs::exists(outside_ / "root.txt"));
}

TEST_F(SecurityTest, CannotWriteOutsideThroughProcSelfRoot) {
  RunSandboxed("echo pwned > /proc/self/root" + outside_.string() + "/proc.txt; " +
               "echo pwned > /proc/1/root" + outside_.string() + "/proc1.txt; " +
               "for p in /proc/[0-9]*; do echo pwned > $p/root" + outside_.string() +
               "/procn.txt; done");
  EXPECT_TRUE(fs::is_empty(outside_));
}

// A host process started with the fake key in its initial environment, as the
// orchestrator would have it: readable through /proc/<pid>/environ on the host.
class HostProcessWithKey {
 public:
  HostProcessWithKey() {
    std::string entry = std::string("MH_FAKE_API_KEY=") + kFakeKey;
    char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("100"), nullptr};
    char* envp[] = {entry.data(), nullptr};
    EXPECT_EQ(posix_spawn(&pid_, "/usr/bin/sleep", nullptr, nullptr, argv, envp), 0);
  }
  ~HostProcessWithKey() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST_F(SecurityTest, CannotReadTheOrchestratorsEnvironment) {
  setenv("MH_FAKE_API_KEY", kFakeKey, 1);
  HostProcessWithKey host;
  std::string environ_path = "/proc/" + std::to_string(host.pid()) + "/environ";
  ProcessResult control = RunOnHost("cat " + environ_path);
  EXPECT_NE(control.stdout_text.find(kFakeKey), std::string::npos);

  ProcessResult result = RunSandboxed("env; cat /proc/1/environ " + environ_path +
                                      " /proc/[0-9]*/environ; ps -e 2>&1 || true");
  unsetenv("MH_FAKE_API_KEY");
  EXPECT_EQ(result.stdout_text.find(kFakeKey), std::string::npos);
  EXPECT_EQ(result.stderr_text.find(kFakeKey), std::string::npos);
  EXPECT_EQ(result.stdout_text.find("MH_FAKE_API_KEY"), std::string::npos);
}

TEST_F(SecurityTest, CannotConnectToALoopbackServerOutside) {
  LoopbackServer server;
  ASSERT_GT(server.port(), 0);
  std::string connect =
      "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server.port()) + " && echo connected";
  ProcessResult allowed = RunSandboxed(connect, /*network=*/true);
  EXPECT_EQ(allowed.stdout_text, "connected\n");
  EXPECT_TRUE(server.Accepted());

  ProcessResult result = RunSandboxed(connect);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(result.stdout_text, "");
  EXPECT_FALSE(server.Accepted());
}

// Finds live processes whose command line contains `marker`.
std::vector<pid_t> ProcessesWithMarker(const std::string& marker) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = testing::ReadFileOrEmpty(entry.path() / "cmdline");
    pid_t pid = std::stoi(name);
    if (cmdline.find(marker) != std::string::npos && ProcessAlive(pid)) found.push_back(pid);
  }
  return found;
}

TEST_F(SecurityTest, ForkBombIsContained) {
  SandboxedRunner sandboxed = Sandboxed();
  ProcessSpec spec = Bash("bomb() { bomb | bomb; }; bomb", sandboxed.sandbox().DefaultEnv());
  spec.limits.max_processes = 32;
  spec.time_limit = std::chrono::seconds(3);
  ProcessResult result = Expect(sandboxed.Run(spec));
  EXPECT_TRUE(result.process_limit_hit);
  EXPECT_LT(result.duration, std::chrono::seconds(10));
  EXPECT_TRUE(ProcessesWithMarker("bomb()").empty());
}

TEST_F(SecurityTest, MemoryBombIsContained) {
  SandboxedRunner sandboxed = Sandboxed();
  ProcessSpec spec = Bash("s=x; while :; do s=$s$s; done", sandboxed.sandbox().DefaultEnv());
  spec.limits.memory_bytes = 64 << 20;
  ProcessResult result = Expect(sandboxed.Run(spec));
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.timed_out);
  EXPECT_TRUE(result.memory_limit_hit);
  EXPECT_LE(result.peak_memory_bytes, 64u << 20);
}

TEST_F(SecurityTest, BackgroundProcessesDieWithTheirCommand) {
  ProcessResult result = RunSandboxed(
      "sleep 987651 & setsid sleep 987652 & nohup sleep 987653 >/dev/null 2>&1 & "
      "(trap '' TERM HUP; exec sleep 987654) & disown -a; echo started");
  EXPECT_EQ(result.stdout_text, "started\n");
  EXPECT_LT(result.duration, std::chrono::seconds(5));
  for (const char* marker : {"987651", "987652", "987653", "987654"}) {
    EXPECT_TRUE(ProcessesWithMarker(marker).empty()) << marker;
  }
}

TEST_F(SecurityTest, TimeLimitKillsEverythingInside) {
  SandboxedRunner sandboxed = Sandboxed();
  ProcessSpec spec = Bash("setsid sleep 5550001 & sleep 5550002", sandboxed.sandbox().DefaultEnv());
  spec.time_limit = std::chrono::milliseconds(500);
  ProcessResult result = Expect(sandboxed.Run(spec));
  EXPECT_TRUE(result.timed_out);
  EXPECT_TRUE(ProcessesWithMarker("555000").empty());
}

TEST_F(SecurityTest, GigabytesOfOutputAreCappedWithHeadAndTail) {
  SandboxedRunner sandboxed = Sandboxed();
  ProcessSpec spec = Bash("head -c 2G /dev/zero; echo END", sandboxed.sandbox().DefaultEnv());
  spec.output_head_bytes = 4096;
  spec.output_tail_bytes = 4096;
  spec.time_limit = std::chrono::seconds(40);
  ProcessResult result = Expect(sandboxed.Run(spec));
  EXPECT_TRUE(result.ok());
  uint64_t total = (2ull << 30) + 4;
  EXPECT_EQ(result.stdout_bytes, total);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_text.size(), 8192 + ElisionMarker(total - 8192).size());
  EXPECT_EQ(result.stdout_text.substr(result.stdout_text.size() - 4), "END\n");
}

TEST_F(SecurityTest, FileSizeLimitHoldsInside) {
  SandboxedRunner sandboxed = Sandboxed();
  ProcessSpec spec = Bash("head -c 8M /dev/zero > big.bin", sandboxed.sandbox().DefaultEnv());
  spec.limits.file_size_bytes = 1 << 20;
  ProcessResult result = Expect(sandboxed.Run(spec));
  EXPECT_FALSE(result.ok());
  EXPECT_LE(fs::file_size(worktree_ / "big.bin"), 1u << 20);
}

}  // namespace
}  // namespace mh::sandbox
