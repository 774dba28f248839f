#include "e2e_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mh::e2e {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Child::Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent",
                                  "LANG=C.UTF-8", "GIT_CONFIG_NOSYSTEM=1",
                                  "GIT_CONFIG_GLOBAL=/dev/null"};
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

Child::~Child() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

int Child::Wait() {
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Child::Kill() {
  if (pid_ > 0) kill(pid_, SIGKILL);
}

int RunProcess(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  return Child(argv, out, err).Wait();
}

void RepoTest::MakeRepo(const std::string& prefix,
                        const std::vector<std::pair<std::string, std::string>>& files) {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  dir_ = fs::temp_directory_path() / (prefix + "_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir_);
  repo_ = dir_ / "repo";
  fs::create_directories(repo_);
  ASSERT_EQ(Git({"init", "-q", "-b", "main"}), 0);
  for (const auto& [path, text] : files) {
    fs::create_directories((repo_ / path).parent_path());
    std::ofstream(repo_ / path, std::ios::binary) << text;
    ASSERT_EQ(Git({"add", path}), 0);
  }
  ASSERT_EQ(Git({"commit", "-q", "-m", "initial"}), 0);
}

void RepoTest::TearDown() {
  // A workspace that solve keeps for --resume stays mounted on its own disk (as root):
  // unmount whatever is under dir_ first, deepest first.
  std::ifstream info("/proc/self/mountinfo");
  std::vector<std::string> mounts;
  std::string line;
  while (std::getline(info, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    if (point.rfind(dir_.string() + "/", 0) == 0) mounts.push_back(point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& point : mounts) umount2(point.c_str(), MNT_DETACH);
  fs::remove_all(dir_);
}

int RepoTest::Git(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {"/usr/bin/git",
                                   "-C",
                                   repo_.string(),
                                   "-c",
                                   "user.name=Test",
                                   "-c",
                                   "user.email=test@localhost"};
  argv.insert(argv.end(), args.begin(), args.end());
  int code = RunProcess(argv, dir_ / "git.out", dir_ / "git.err");
  if (out != nullptr) *out = ReadFile(dir_ / "git.out");
  return code;
}

}  // namespace mh::e2e
