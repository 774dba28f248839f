#include "tools/tool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace mh::tools {

const char* SessionOutcomeName(SessionOutcome outcome) {
  switch (outcome) {
    case SessionOutcome::kNone:
      return "none";
    case SessionOutcome::kSubmitted:
      return "submitted";
    case SessionOutcome::kBlocked:
      return "blocked";
  }
  return "none";
}

SessionResources::~SessionResources() {
  while (!items_.empty()) items_.pop_back();
}

void SessionResources::PutBase(const std::string& name, std::unique_ptr<SessionResource> resource) {
  Erase(name);
  items_.emplace_back(name, std::move(resource));
}

SessionResource* SessionResources::GetBase(const std::string& name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return value.get();
  }
  return nullptr;
}

bool SessionResources::Erase(const std::string& name) {
  auto it = std::find_if(items_.begin(), items_.end(),
                         [&](const auto& item) { return item.first == name; });
  if (it == items_.end()) return false;
  items_.erase(it);
  return true;
}

std::vector<std::string> SessionResources::Names() const {
  std::vector<std::string> names;
  for (const auto& item : items_) names.push_back(item.first);
  return names;
}

Result<std::unique_ptr<ToolContext>> ToolContext::Create(Options options) {
  if (options.clock == nullptr) return InvalidArgumentError("tool context: no clock");
  if (options.runner == nullptr) return InvalidArgumentError("tool context: no process runner");
  std::error_code ec;
  std::filesystem::path root = std::filesystem::canonical(options.workspace.root, ec);
  if (ec || !std::filesystem::is_directory(root, ec)) {
    return NotFoundError("workspace root is not a directory: " + options.workspace.root.string());
  }
  int fd = open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NotFoundError("cannot open workspace root " + root.string() + ": " +
                         std::strerror(errno));
  }
  options.workspace.root = root;
  std::string& mount = options.workspace.mount_path;
  while (mount.size() > 1 && mount.back() == '/') mount.pop_back();
  return std::unique_ptr<ToolContext>(new ToolContext(std::move(options), fd));
}

ToolContext::ToolContext(Options options, int root_fd)
    : options_(std::move(options)), root_fd_(root_fd) {}

// Members go in reverse order: the resources (which may still use the worktree) first,
// then the root descriptor.
ToolContext::~ToolContext() = default;

}  // namespace mh::tools
