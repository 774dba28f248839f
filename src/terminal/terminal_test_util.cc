#include "terminal/terminal_test_util.h"

#include <unistd.h>

#include "terminal/bash_tool.h"
#include "terminal/terminal_tool.h"

namespace mh::terminal::testing {

void TerminalToolsTest::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mh-terminal-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  root_ = dir_ / "work";
  std::filesystem::create_directories(root_);
  auto runner = sandbox::RealProcessRunner::Create();
  ASSERT_TRUE(runner.ok()) << runner.error().ToString();
  runner_ = std::move(*runner);
  sandbox::SandboxConfig config;
  config.worktree = root_.string();
  auto box = sandbox::Sandbox::Create(config);
  ASSERT_TRUE(box.ok()) << box.error().ToString();
  sandboxed_.emplace(*runner_, std::move(*box));
  tools::ToolContext::Options options;
  options.workspace.root = root_;
  options.workspace.mount_path = root_.string();
  options.clock = &clock_;
  options.runner = runner_.get();
  options.command_runner = &*sandboxed_;
  options.limits.max_timeout = std::chrono::seconds(30);
  auto ctx = tools::ToolContext::Create(std::move(options));
  ASSERT_TRUE(ctx.ok()) << ctx.error().ToString();
  ctx_ = std::move(*ctx);
  ASSERT_TRUE(registry_.Register(NewTerminalTool()).ok());
  ASSERT_TRUE(registry_.Register(NewBashTool()).ok());
}

void TerminalToolsTest::TearDown() {
  ctx_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

tools::ToolResult TerminalToolsTest::Call(const std::string& name, const std::string& args_json) {
  return registry_.Call(name, args_json, *ctx_);
}

}  // namespace mh::terminal::testing
