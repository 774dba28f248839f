#include "tools/test_workspace.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace mh::tools::testing {

void ToolsTest::SetUp() {
  std::string templ = (std::filesystem::temp_directory_path() / "mh-tools-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  dir_ = std::filesystem::canonical(templ);
  root_ = dir_ / "work";
  std::filesystem::create_directories(root_);
  // One runner for the whole binary: it is thread-safe and stateless between runs, and
  // creating it logs the degraded-mode warning.
  static sandbox::RealProcessRunner* const shared = [] {
    auto runner = sandbox::RealProcessRunner::Create({.use_cgroups = false});
    return runner.ok() ? runner->release() : nullptr;
  }();
  ASSERT_NE(shared, nullptr);
  runner_ = shared;
  ASSERT_TRUE(RegisterBuiltinTools(registry_).ok());
  MakeContext({});
}

void ToolsTest::TearDown() {
  ctx_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ToolsTest::MakeContext(ToolContext::Options options) {
  options.workspace.root = root_;
  options.clock = &clock_;
  options.runner = runner_;
  auto ctx = ToolContext::Create(std::move(options));
  ASSERT_TRUE(ctx.ok()) << ctx.error().ToString();
  ctx_ = std::move(*ctx);
}

ToolResult ToolsTest::Call(const std::string& name, const std::string& args_json) {
  return registry_.Call(name, args_json, *ctx_);
}

void ToolsTest::WriteFile(const std::string& rel, const std::string& content) {
  std::filesystem::path path = root_ / rel;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ToolsTest::ReadFile(const std::string& rel) const {
  std::ifstream in(root_ / rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ToolsTest::Exists(const std::string& rel) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(root_ / rel, ec));
}

}  // namespace mh::tools::testing
