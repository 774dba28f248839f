// Hardening tests: a command with every privilege Macrohard has (the tests run as root,
// as Macrohard often does) must not reach the host's kernel, its root-only files or its
// processes. Each test tries the attack; where it helps, the same attack is first shown
// to work on the host.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "sandbox/test_util.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::ProcessAlive;
using testing::ReadFileOrEmpty;
using testing::TempDir;

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "these attacks are about a runner that is root";
    worktree_ = root_.path() / "worktree";
    fs::create_directories(worktree_);
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
  }

  SandboxedRunner Sandboxed(SandboxConfig config = {}) {
    config.worktree = worktree_.string();
    auto sandbox = Sandbox::Create(config);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    return SandboxedRunner(*runner_, std::move(sandbox).value());
  }

  ProcessResult Run(const std::string& script, SandboxConfig config = {}) {
    SandboxedRunner sandboxed = Sandboxed(std::move(config));
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = sandboxed.sandbox().DefaultEnv();
    spec.time_limit = std::chrono::seconds(20);
    Result<ProcessResult> result = sandboxed.Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  TempDir root_;
  fs::path worktree_;
  std::unique_ptr<RealProcessRunner> runner_;
};

// The host's view of a process: the "Uid:" line of /proc/PID/status.
std::string HostUidLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) return line;
  }
  return "";
}

pid_t FindProcess(const std::string& marker) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFileOrEmpty(entry.path() / "cmdline");
    if (cmdline.find(marker) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

TEST_F(HardeningTest, CommandsRunAsAnUnprivilegedHostUser) {
  std::thread command([this] { Run("exec sleep 4242.4242"); });
  pid_t pid = -1;
  for (int i = 0; i < 2000 && pid < 0; ++i) {
    pid = FindProcess("4242.4242");
    if (pid < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(pid, 0) << "the sandboxed sleep never showed up";
  std::string uid = HostUidLine(pid);
  kill(pid, SIGKILL);
  command.join();
  EXPECT_EQ(uid, "Uid:\t65532\t65532\t65532\t65532") << "seen from the host";
}

TEST_F(HardeningTest, InsideItIsTheAgentUserWithNoNewPrivileges) {
  ProcessResult result =
      Run("id -un; grep NoNewPrivs /proc/self/status; grep CapEff /proc/self/status");
  EXPECT_EQ(result.stdout_text, "agent\nNoNewPrivs:\t1\nCapEff:\t0000000000000000\n")
      << result.stderr_text;
}

TEST_F(HardeningTest, KernelKnobsAreReadOnly) {
  std::string before = ReadFileOrEmpty("/proc/sys/kernel/core_pattern");
  ProcessResult result =
      Run("echo '|/tmp/pwn' > /proc/sys/kernel/core_pattern; echo $?; "
          "echo 1 > /proc/sys/kernel/sysrq; echo $?; echo c > /proc/sysrq-trigger; echo $?; "
          "ls /sys 2>&1 | head -1");
  EXPECT_EQ(ReadFileOrEmpty("/proc/sys/kernel/core_pattern"), before);
  EXPECT_EQ(result.stdout_text.substr(0, 6), "1\n1\n1\n") << result.stdout_text;
}

TEST_F(HardeningTest, RootOnlyFilesOfTheHostAreNotReadable) {
  fs::path secret = "/etc/mh-hardening-test-" + std::to_string(getpid());
  {
    std::ofstream out(secret);
    out << "root-only secret\n";
  }
  chmod(secret.c_str(), 0600);
  ProcessResult result = Run("cat " + secret.string());
  fs::remove(secret);
  EXPECT_EQ(result.stdout_text.find("root-only secret"), std::string::npos);
  EXPECT_NE(result.stderr_text.find("Permission denied"), std::string::npos) << result.stderr_text;
}

TEST_F(HardeningTest, SetuidProgramsDoNotRaiseTheCommand) {
  // A setuid-root copy of `id` in the worktree, made on the host as root.
  fs::copy_file("/usr/bin/id", worktree_ / "suid-id");
  ASSERT_EQ(chmod((worktree_ / "suid-id").c_str(), 04755), 0);
  ProcessResult result =
      Run("./suid-id -u; mkdir -p /tmp/m; mount -t tmpfs none /tmp/m && echo mounted; "
          "su -c 'echo rooted' root </dev/null");
  EXPECT_EQ(result.stdout_text, "65532\n") << result.stderr_text;
}

TEST_F(HardeningTest, FilesTheCommandCreatesAreOursOnTheHost) {
  ProcessResult result = Run("stat -c %u . && mkdir -p sub && echo hi > sub/file && echo ok");
  EXPECT_EQ(result.stdout_text, "65532\nok\n") << result.stderr_text;
  struct stat st {};
  ASSERT_EQ(stat((worktree_ / "sub/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(st.st_gid, getegid());
}

// Tries each system call by number (x86_64) through Python's ctypes and prints
// "name errno" lines.
constexpr char kSyscallProbe[] = R"PY(
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
calls = {"init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
         "kexec_file_load": 320, "reboot": 169, "swapon": 167, "bpf": 321,
         "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249,
         "mount": 165, "umount2": 166, "pivot_root": 155, "unshare": 272, "setns": 308,
         "open_by_handle_at": 304, "fsopen": 430, "open_tree": 428, "userfaultfd": 323,
         "clone3": 435}
for name, nr in calls.items():
    ctypes.set_errno(0)
    libc.syscall(nr, 0, 0, 0, 0, 0)
    print(name, ctypes.get_errno())
)PY";

TEST_F(HardeningTest, DangerousSystemCallsFailWithAClearError) {
  std::ofstream(worktree_ / "probe.py") << kSyscallProbe;
  ProcessResult result = Run("python3 probe.py");
  ASSERT_TRUE(result.ok()) << result.stderr_text;
  std::istringstream lines(result.stdout_text);
  std::string name;
  int error = 0;
  int seen = 0;
  while (lines >> name >> error) {
    ++seen;
    EXPECT_EQ(error, name == "clone3" ? ENOSYS : EPERM) << name;
  }
  EXPECT_EQ(seen, 22);
}

TEST_F(HardeningTest, NoNewUserNamespaceToRegainCapabilities) {
  ProcessResult result = Run("unshare -Ur id -u; echo rc=$?; unshare -m true; echo rc=$?");
  EXPECT_EQ(result.stdout_text, "rc=1\nrc=1\n") << result.stderr_text;
}

TEST_F(HardeningTest, HostProcessesCannotBeKilledOrTraced) {
  pid_t host = -1;
  char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("100"), nullptr};
  char* envp[] = {nullptr};
  ASSERT_EQ(posix_spawn(&host, "/usr/bin/sleep", nullptr, nullptr, argv, envp), 0);
  std::string pid = std::to_string(host);
  ProcessResult result = Run("kill -9 " + pid +
                             "; echo kill=$?; python3 -c '"
                             "import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
                             "print(\"ptrace\", libc.ptrace(16, " +
                             pid + ", 0, 0), ctypes.get_errno())'; kill -9 1; echo init=$?");
  EXPECT_TRUE(ProcessAlive(host));
  kill(host, SIGKILL);
  waitpid(host, nullptr, 0);
  EXPECT_NE(result.stdout_text.find("kill=1\n"), std::string::npos) << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("ptrace -1 3\n"), std::string::npos) << result.stdout_text;
}

TEST_F(HardeningTest, PrivateTmpIsLimited) {
  SandboxConfig config;
  config.tmp_bytes = 1 << 20;
  ProcessResult result = Run("head -c 4M /dev/zero > /tmp/big; echo rc=$?", config);
  EXPECT_EQ(result.stdout_text, "rc=1\n");
  EXPECT_NE(result.stderr_text.find("No space left on device"), std::string::npos)
      << result.stderr_text;
}

TEST_F(HardeningTest, PythonIsThereAsOnADevelopersMachine) {
  ProcessResult result = Run("python -c 'print(6 * 7)'");
  EXPECT_EQ(result.stdout_text, "42\n") << result.stderr_text;
}

TEST(SeccompTest, DeniesWhatNoBuildNeeds) {
  const std::vector<std::string>& denied = SeccompDeniedSyscalls();
  for (const char* name : {"init_module", "kexec_load", "bpf", "keyctl", "mount", "unshare"}) {
    EXPECT_NE(std::find(denied.begin(), denied.end(), name), denied.end()) << name;
  }
  Result<std::string> path = SeccompProgramPath();
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  // A BPF program: a whole number of 8-byte instructions.
  std::string program = ReadFileOrEmpty(*path);
  EXPECT_GT(program.size(), 0u);
  EXPECT_EQ(program.size() % 8, 0u);
}

}  // namespace
}  // namespace mh::sandbox
