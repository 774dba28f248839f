// Support for end-to-end tests that run the real binaries: child processes with their
// output in files, and a fixture with a temporary directory holding a git repository.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mh::e2e {

// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// A child process: stdin from /dev/null, stdout and stderr into files, a fixed small
// environment (no user or system git configuration). Killed and reaped if still running
// when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& out,
        const std::filesystem::path& err);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The exit code, 128 + signal when killed, -1 when it could not be started.
  int Wait();
  void Kill();

 private:
  pid_t pid_ = -1;
};

// Runs argv to its end (see Child); returns Wait()'s code.
int RunProcess(const std::vector<std::string>& argv, const std::filesystem::path& out,
               const std::filesystem::path& err);

// A test with its own directory (dir_) and a git repository in dir_/repo whose first
// commit holds the files given to MakeRepo. Removes the directory afterwards.
class RepoTest : public ::testing::Test {
 protected:
  // `prefix` names the directory with the test's name and our pid. Paths may name
  // subdirectories (made as needed); contents are written byte for byte.
  void MakeRepo(const std::string& prefix,
                const std::vector<std::pair<std::string, std::string>>& files);
  void TearDown() override;

  // Runs git in the repository as "Test <test@localhost>"; its stdout into *out.
  int Git(const std::vector<std::string>& args, std::string* out = nullptr);

  std::filesystem::path dir_;
  std::filesystem::path repo_;
};

}  // namespace mh::e2e
