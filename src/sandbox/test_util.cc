#include "sandbox/test_util.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace mh::sandbox::testing {

TempDir::TempDir() {
  std::string templ = "/tmp/mh-sandbox-test-XXXXXX";
  char* made = mkdtemp(templ.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  return line[paren + 2] != 'Z';
}

std::vector<std::string> MinimalEnv() { return {"PATH=/usr/bin:/bin"}; }

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mh::sandbox::testing
