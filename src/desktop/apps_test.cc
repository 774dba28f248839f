// End to end with real X programs launched by the computer tool inside the sandbox:
// xterm runs a typed command, xcalc's display changes when its buttons are clicked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "desktop/computer_tool.h"
#include "sandbox/process.h"
#include "sandbox/sandbox.h"
#include "tools/registry.h"

namespace mh::desktop {
namespace {

namespace fs = std::filesystem;

class AppsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mh-apps-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    runner_ = sandbox::RealProcessRunner::Create().value();
    auto sandbox = sandbox::Sandbox::Create({.worktree = (dir_ / "work").string()});
    ASSERT_TRUE(sandbox.ok()) << sandbox.error().ToString();
    sandboxed_ = std::make_unique<sandbox::SandboxedRunner>(*runner_, std::move(*sandbox));
    ComputerToolOptions options;
    ASSERT_TRUE(registry_.Register(NewComputerTool(options)).ok());
    tools::ToolContext::Options ctx_options;
    ctx_options.workspace.root = dir_ / "work";
    ctx_options.clock = &SystemClock();
    ctx_options.runner = runner_.get();
    ctx_options.command_runner = sandboxed_.get();
    ctx_ = tools::ToolContext::Create(ctx_options).value();
  }
  void TearDown() override {
    ctx_.reset();
    fs::remove_all(dir_);
  }

  tools::ToolResult Call(const Json& args) {
    tools::ToolResult result = registry_.CallJson("computer", args, *ctx_);
    EXPECT_FALSE(result.is_error) << args.dump() << ": " << result.text;
    return result;
  }
  Image Screen() { return DecodePng(Call({{"action", "screenshot"}}).images.at(0).data).value(); }

  fs::path dir_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  std::unique_ptr<sandbox::SandboxedRunner> sandboxed_;
  tools::ToolRegistry registry_;
  std::unique_ptr<tools::ToolContext> ctx_;
};

// Polls for a file a program writes (bounded; fails the test when it never comes).
std::string WaitForFile(const fs::path& path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

// Outside the sandbox: inside bubblewrap xterm stops at "Cannot chown /dev/pts/0 to
// 0,5" (the tty group is not mapped in the sandbox's user namespace).
TEST_F(AppsTest, XtermRunsATypedCommand) {
  tools::ToolContext::Options ctx_options;
  ctx_options.workspace.root = dir_ / "work";
  ctx_options.clock = &SystemClock();
  ctx_options.runner = runner_.get();
  ctx_options.command_runner = runner_.get();
  ctx_ = tools::ToolContext::Create(ctx_options).value();
  Call({{"action", "launch"}, {"argv", {"xterm", "-geometry", "80x24+0+0"}}});
  Call({{"action", "mouse_move"}, {"coordinate", {200, 150}}});  // Focus follows the pointer.
  Call({{"action", "type"}, {"text", "echo hi \xC3\xA9t\xC3\xA9 > out.txt"}});
  Call({{"action", "key"}, {"text", "Return"}});
  std::string written = WaitForFile(dir_ / "work" / "out.txt");
  EXPECT_EQ(written, "hi \xC3\xA9t\xC3\xA9\n");
}

// The pixels of `region` that differ between two screenshots.
int Changed(const Image& a, const Image& b, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) n += a.Pixel(x, y)[0] != b.Pixel(x, y)[0];
  }
  return n;
}

TEST_F(AppsTest, ClickingXcalcButtonsInTheSandboxChangesItsDisplay) {
  Image empty = Screen();
  Call({{"action", "launch"}, {"argv", {"xcalc", "-geometry", "+0+0"}}});
  Image before = Screen();
  // The window is where the screen changed.
  int right = 0, bottom = 0;
  for (int y = 0; y < before.height; ++y) {
    for (int x = 0; x < before.width; ++x) {
      if (before.Pixel(x, y)[0] != empty.Pixel(x, y)[0]) {
        right = std::max(right, x);
        bottom = std::max(bottom, y);
      }
    }
  }
  ASSERT_GT(right, 50);
  ASSERT_GT(bottom, 100);
  // TI-30 layout: the display on top, then 8 rows of 5 buttons; "1" is row 7, column 2.
  int button_top = bottom / 5;
  int x = right * 3 / 10, y = button_top + (bottom - button_top) * 13 / 16;
  Call({{"action", "left_click"}, {"coordinate", {x, y}}});
  Call({{"action", "left_click"}, {"coordinate", {x, y}}});
  Image after = Screen();
  EXPECT_GT(Changed(before, after, 0, 0, right, button_top), 10)
      << "clicked [" << x << ", " << y << "] in a window ending at [" << right << ", " << bottom
      << "]";
}

}  // namespace
}  // namespace mh::desktop
