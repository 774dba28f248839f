// Workspace disks (issue 9): a command that writes past its workspace's quota fails with
// "No space left on device" without filling the host disk, the workspace keeps working,
// Remove leaves nothing mounted or on disk, and a disk unmounted by a crash is found and
// mounted again. Real loop devices, real ext4, real bubblewrap: root only.
#include "sandbox/workspace_disk.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sandbox/sandbox.h"
#include "sandbox/test_util.h"
#include "sandbox/worktree.h"

namespace mh::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::MountsUnder;
using testing::ReadFileOrEmpty;
using testing::TempDir;

constexpr uint64_t kQuota = 64ull << 20;

uint64_t AllocatedBytes(const fs::path& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

// Space taken by the files under `dir` on its own file system: the mounted disks and
// their images are left out.
uint64_t HostBytesOutside(const fs::path& dir, const fs::path& image) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::end(it); it.increment(ec)) {
    if (IsMountPoint(it->path())) {
      it.disable_recursion_pending();
    } else if (it->path() != image) {
      total += AllocatedBytes(it->path());
    }
  }
  return total;
}

// Loop devices whose backing file is under `dir`.
int LoopDevicesUnder(const fs::path& dir) {
  int count = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
    std::string backing = ReadFileOrEmpty(entry.path() / "loop" / "backing_file");
    if (backing.rfind(dir.string() + "/", 0) == 0) ++count;
  }
  return count;
}

class WorkspaceDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "loop devices and mount(2) need root";
    if (access("/dev/loop-control", W_OK) != 0) GTEST_SKIP() << "no /dev/loop-control";
    auto runner = RealProcessRunner::Create();
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = std::move(runner).value();
    ProcessSpec init;
    init.argv = {"bash", "-c",
                 "git init -q -b main repo && cd repo && echo one > a.txt && git add . && "
                 "git -c user.name=T -c user.email=t@example.com commit -qm init"};
    init.env = testing::MinimalEnv();
    init.cwd = dir_.str();
    Result<ProcessResult> made = runner_->Run(init);
    ASSERT_TRUE(made.ok() && made->ok()) << (made.ok() ? made->stderr_text : "");
    manager_ = MakeManager(kQuota);
    ASSERT_NE(manager_, nullptr);
    Result<Worktree> added = manager_->Add("s1", "agent/s1", "main");
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    ws_ = *added;
  }

  void TearDown() override {
    if (manager_ != nullptr) {
      EXPECT_TRUE(manager_->Remove(ws_).ok());
    }
    testing::UnmountUnder(dir_.path());
    EXPECT_TRUE(MountsUnder(dir_.path()).empty());
    EXPECT_EQ(LoopDevicesUnder(dir_.path()), 0);
  }

  std::unique_ptr<WorktreeManager> MakeManager(uint64_t quota) {
    WorkspaceOptions options;
    options.disk_quota_bytes = quota;
    auto manager = WorktreeManager::Create(*runner_, (dir_.path() / "repo").string(), Root(),
                                           std::move(options));
    EXPECT_TRUE(manager.ok()) << manager.status().ToString();
    return manager.ok() ? std::move(manager).value() : nullptr;
  }

  std::string Root() const { return (dir_.path() / "ws").string(); }
  fs::path Image(const std::string& name) const { return Root() + "/.disks/" + name + ".ext4"; }

  // Runs `script` as the agent does: in the sandbox over the workspace.
  ProcessResult Agent(const std::string& script) {
    SandboxConfig config;
    config.worktree = ws_.path;
    config.extra_read_only = WorkspaceReadOnlyPaths(ws_);
    auto sandbox = Sandbox::Create(config);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    SandboxedRunner sandboxed(*runner_, std::move(sandbox).value());
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env = sandboxed.sandbox().DefaultEnv();
    spec.time_limit = std::chrono::seconds(60);
    Result<ProcessResult> result = sandboxed.Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ProcessResult{};
  }

  TempDir dir_;
  std::unique_ptr<RealProcessRunner> runner_;
  std::unique_ptr<WorktreeManager> manager_;
  Worktree ws_;
};

TEST_F(WorkspaceDiskTest, WritingPastTheQuotaFailsAndTheWorkspaceKeepsWorking) {
  ASSERT_TRUE(manager_->disk_quota_enabled());
  EXPECT_TRUE(IsMountPoint(ws_.path));
  uint64_t host_before = HostBytesOutside(dir_.path(), Image("s1"));

  ProcessResult big = Agent("head -c 200M /dev/zero > big");
  EXPECT_NE(big.exit_code, 0);
  EXPECT_NE(big.stderr_text.find("No space left on device"), std::string::npos) << big.stderr_text;
  EXPECT_LE(AllocatedBytes(Image("s1")), kQuota);
  EXPECT_LE(HostBytesOutside(dir_.path(), Image("s1")), host_before + (1 << 20));

  ProcessResult after = Agent(
      "set -e; rm big; git status --short; echo small > small.txt; cat small.txt; "
      "git status --short");
  EXPECT_TRUE(after.ok()) << after.stderr_text;
  EXPECT_EQ(after.stdout_text, "small\n?? small.txt\n");
  Result<CommitOutcome> committed =
      manager_->CommitAll(ws_, "small", GitIdentity{"Macrohard", "macrohard@localhost"});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_TRUE(committed->committed);
}

TEST_F(WorkspaceDiskTest, TheFreshDiskHoldsOnlyTheCloneAndIsOurs) {
  struct stat st {};
  ASSERT_EQ(stat(ws_.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_FALSE(fs::exists(fs::path(ws_.path) / "lost+found"));
  EXPECT_TRUE(fs::is_directory(ws_.git_dir));  // The .git is inside the quota too.
  ProcessResult status = Agent("git status --porcelain");
  EXPECT_TRUE(status.ok()) << status.stderr_text;
  EXPECT_EQ(status.stdout_text, "");
}

TEST_F(WorkspaceDiskTest, RemoveLeavesNothingMountedOrOnDisk) {
  ASSERT_TRUE(fs::exists(Image("s1")));
  ASSERT_EQ(LoopDevicesUnder(dir_.path()), 1);
  ASSERT_TRUE(manager_->Remove(ws_).ok());
  EXPECT_FALSE(IsMountPoint(ws_.path));
  EXPECT_FALSE(fs::exists(ws_.path));
  EXPECT_FALSE(fs::exists(Image("s1")));
  EXPECT_TRUE(MountsUnder(dir_.path()).empty());
  EXPECT_EQ(LoopDevicesUnder(dir_.path()), 0);
  EXPECT_TRUE(manager_->Remove(ws_).ok());  // Gone already: fine.
}

// The private mount namespace a sandboxed command starts in copies every workspace's disk;
// bwrap leaves it for its own (whose old root it detaches), so nothing keeps the copy:
// removing another workspace while the command runs frees that disk and loop device.
TEST_F(WorkspaceDiskTest, RemoveFreesTheDiskWhileAnotherWorkspaceRunsACommand) {
  Result<Worktree> other = manager_->Add("s2", "agent/s2", "main");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_EQ(LoopDevicesUnder(dir_.path()), 2);
  fs::path started = fs::path(ws_.path) / "started";
  std::thread command([&] { Agent("touch started; sleep 6"); });
  for (int i = 0; i < 200 && !fs::exists(started); ++i) usleep(50'000);
  ASSERT_TRUE(fs::exists(started));
  ASSERT_TRUE(manager_->Remove(*other).ok());
  int loops = LoopDevicesUnder(dir_.path());
  command.join();
  EXPECT_EQ(loops, 1) << "s2's loop device outlived its Remove while s1 ran a command";
  EXPECT_FALSE(fs::exists(Image("s2")));
}

TEST_F(WorkspaceDiskTest, ADiskUnmountedByACrashIsMountedAgainByOpen) {
  ASSERT_TRUE(Agent("echo kept > note.txt").ok());
  // As after a reboot: the image is there, the mount is not, the manager is new.
  ASSERT_EQ(umount2(ws_.path.c_str(), MNT_DETACH), 0);
  ASSERT_TRUE(fs::is_empty(ws_.path));
  manager_ = MakeManager(kQuota);
  ASSERT_NE(manager_, nullptr);
  Result<Worktree> opened = manager_->Open("s1", "agent/s1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->path, ws_.path);
  EXPECT_TRUE(IsMountPoint(ws_.path));
  EXPECT_EQ(ReadFileOrEmpty(fs::path(ws_.path) / "note.txt"), "kept\n");
  // Mounted already: used as is.
  Result<Worktree> again = manager_->Open("s1", "agent/s1");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(LoopDevicesUnder(dir_.path()), 1);
  ProcessResult status = Agent("git status --short");
  EXPECT_EQ(status.stdout_text, "?? note.txt\n") << status.stderr_text;
}

TEST_F(WorkspaceDiskTest, RemountShowsTheWorkspaceAgainAndIsIdempotent) {
  ASSERT_TRUE(Agent("echo kept > note.txt").ok());
  ASSERT_EQ(umount2(ws_.path.c_str(), MNT_DETACH), 0);
  ASSERT_TRUE(manager_->Remount("s1").ok());
  EXPECT_EQ(ReadFileOrEmpty(fs::path(ws_.path) / "note.txt"), "kept\n");
  ASSERT_TRUE(manager_->Remount("s1").ok());
  EXPECT_EQ(LoopDevicesUnder(dir_.path()), 1);
  EXPECT_TRUE(manager_->Remount("never-made").ok());
  // Add refuses a name whose disk exists.
  EXPECT_EQ(manager_->Add("s1", "agent/other", "main").status().code(), StatusCode::kAlreadyExists);
}

TEST_F(WorkspaceDiskTest, NoQuotaMeansPlainDirectories) {
  std::unique_ptr<WorktreeManager> plain = MakeManager(0);
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->disk_quota_enabled());
  Result<Worktree> added = plain->Add("p1", "agent/p1", "main");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_FALSE(IsMountPoint(added->path));
  EXPECT_FALSE(fs::exists(Image("p1")));
  EXPECT_TRUE(fs::exists(fs::path(added->path) / "a.txt"));
  EXPECT_TRUE(plain->Remove(*added).ok());
  EXPECT_FALSE(fs::exists(added->path));
}

TEST_F(WorkspaceDiskTest, ATinyQuotaIsRefused) {
  WorkspaceOptions options;
  options.disk_quota_bytes = 1 << 20;
  auto manager =
      WorktreeManager::Create(*runner_, (dir_.path() / "repo").string(), Root(), options);
  EXPECT_EQ(manager.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(WorkspaceDiskTest, SomethingInTheWayIsRefusedAndLeavesNoDisk) {
  fs::create_directories(Root() + "/s2");
  std::ofstream(Root() + "/s2/file") << "x";
  EXPECT_EQ(manager_->Open("s2", "agent/s1").status().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(fs::exists(Image("s2")));
}

}  // namespace
}  // namespace mh::sandbox
