// A temporary worktree with a sandboxed ToolContext and the terminal tools, for
// terminal_test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "testing/fake_clock.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::terminal::testing {

class TerminalToolsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Calls a tool through the registry, as an agent does; args as JSON text.
  tools::ToolResult Call(const std::string& name, const std::string& args_json);

  std::filesystem::path dir_;   // Holds root_ and a file outside it.
  std::filesystem::path root_;  // The worktree.
  mh::testing::FakeClock clock_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  std::optional<sandbox::SandboxedRunner> sandboxed_;
  tools::ToolRegistry registry_;
  std::unique_ptr<tools::ToolContext> ctx_;
};

}  // namespace mh::terminal::testing
