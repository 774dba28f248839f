#include "sandbox/worktree_git.h"

#include <filesystem>

namespace mh::sandbox::worktree_git {

namespace fs = std::filesystem;

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Status GitFailure(const std::string& command, const ProcessResult& result) {
  return InternalError("git " + command + " failed (exit " + std::to_string(result.exit_code) +
                       "): " + Trim(result.stderr_text.substr(0, 2000)));
}

std::vector<std::string> IdentityEnv(const GitIdentity& who) {
  return {"GIT_AUTHOR_NAME=" + who.name, "GIT_AUTHOR_EMAIL=" + who.email,
          "GIT_COMMITTER_NAME=" + who.name, "GIT_COMMITTER_EMAIL=" + who.email};
}

// A relative path that stays inside the repository and out of its git directory.
bool ValidRepoPath(const std::string& path) {
  fs::path p(path);
  if (path.empty() || p.is_absolute()) return false;
  for (const fs::path& part : p) {
    if (part == ".." || part == ".git") return false;
  }
  return true;
}

// Splits `text` at NUL bytes, dropping empty pieces.
std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace mh::sandbox::worktree_git
