// A temporary worktree with a ToolContext and the built-in tools, for tools_test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sandbox/process.h"
#include "testing/fake_clock.h"
#include "tools/builtin_tools.h"
#include "tools/registry.h"
#include "tools/tool.h"

namespace mh::tools::testing {

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Builds the context with `options` tweaked by the test (root, clock, runner set).
  void MakeContext(ToolContext::Options options);

  // Calls a tool through the registry, as an agent does.
  ToolResult Call(const std::string& name, const std::string& args_json);

  // Host-side helpers on paths relative to the worktree root.
  void WriteFile(const std::string& rel, const std::string& content);
  std::string ReadFile(const std::string& rel) const;
  bool Exists(const std::string& rel) const;

  std::filesystem::path dir_;   // Holds root_ and files outside it.
  std::filesystem::path root_;  // The worktree.
  mh::testing::FakeClock clock_;
  sandbox::RealProcessRunner* runner_ = nullptr;  // Shared by all tests; never freed.
  ToolRegistry registry_;
  std::unique_ptr<ToolContext> ctx_;
};

}  // namespace mh::tools::testing
