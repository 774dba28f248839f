// The computer tool through the registry, on a real display, checked by the probe.
#include "desktop/computer_tool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "desktop/probe_client.h"
#include "sandbox/process.h"
#include "tools/registry.h"

namespace mh::desktop {
namespace {

namespace fs = std::filesystem;
using testing::ProbeClient;
using Kind = testing::ProbeEvent::Kind;

class ComputerToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mh-computer-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    auto runner = sandbox::RealProcessRunner::Create({.use_cgroups = false});
    ASSERT_TRUE(runner.ok());
    runner_ = std::move(*runner);
  }
  void TearDown() override {
    probe_.reset();  // Before the display it is connected to goes away.
    ctx_.reset();
    fs::remove_all(dir_);
  }

  // Registers the tool with `size` and starts the session's display with a screenshot.
  void Start(Size size, bool scale = true) {
    ComputerToolOptions options;
    options.session.display.size = size;
    if (!scale) options.session.scale = {0, 0};
    options.session.artifacts_dir = (dir_ / "artifacts").string();
    ASSERT_TRUE(registry_.Register(NewComputerTool(options)).ok());
    tools::ToolContext::Options ctx_options;
    ctx_options.workspace.root = dir_ / "work";
    ctx_options.clock = &SystemClock();
    ctx_options.runner = runner_.get();
    ctx_options.command_runner = runner_.get();
    auto ctx = tools::ToolContext::Create(ctx_options);
    ASSERT_TRUE(ctx.ok());
    ctx_ = std::move(*ctx);
    tools::ToolResult shot = Call({{"action", "screenshot"}});
    ASSERT_FALSE(shot.is_error) << shot.text;
    auto* session = ctx_->resources().Get<DesktopSession>(kDesktopResource);
    ASSERT_NE(session, nullptr);
    session_ = session;
    auto probe = ProbeClient::Open(session->display().name(), session->display().auth_file());
    ASSERT_TRUE(probe.ok()) << probe.error().ToString();
    probe_ = std::move(*probe);
    probe_->Clear();
  }

  tools::ToolResult Call(const Json& args) { return registry_.CallJson("computer", args, *ctx_); }

  fs::path dir_;
  std::unique_ptr<sandbox::RealProcessRunner> runner_;
  tools::ToolRegistry registry_;
  std::unique_ptr<tools::ToolContext> ctx_;
  DesktopSession* session_ = nullptr;
  std::unique_ptr<ProbeClient> probe_;
};

TEST_F(ComputerToolTest, ScreenshotsAreScaledForTheModelAndClicksScaledBack) {
  Start({1920, 1080});
  Size model = ScaledSize({1920, 1080});
  tools::ToolResult shot = Call({{"action", "screenshot"}});
  ASSERT_EQ(shot.images.size(), 1u);
  EXPECT_EQ(shot.images[0].media_type, "image/png");
  Result<Image> image = DecodePng(shot.images[0].data);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->width, model.width);
  EXPECT_EQ(image->height, model.height);

  tools::ToolResult click =
      Call({{"action", "left_click"}, {"coordinate", {model.width - 1, 100}}});
  ASSERT_FALSE(click.is_error) << click.text;
  auto presses = probe_->WaitFor(Kind::kButtonPress, 1);
  ASSERT_EQ(presses.size(), 1u);
  EXPECT_EQ(presses[0].x, 1919);
  EXPECT_EQ(presses[0].y, session_->scaler().ToScreen({0, 100})->y);

  tools::ToolResult position = Call({{"action", "cursor_position"}});
  EXPECT_EQ(position.text, "X=" + std::to_string(model.width - 1) + ",Y=100");
  EXPECT_TRUE(position.images.empty());
}

TEST_F(ComputerToolTest, WithoutScalingCoordinatesAreScreenPixels) {
  Start({1280, 800}, false);
  ASSERT_FALSE(
      Call(
          {{"action", "left_click_drag"}, {"start_coordinate", {5, 6}}, {"coordinate", {700, 500}}})
          .is_error);
  ASSERT_FALSE(Call({{"action", "scroll"},
                     {"coordinate", {20, 30}},
                     {"scroll_direction", "up"},
                     {"scroll_amount", 2}})
                   .is_error);
  auto presses = probe_->WaitFor(Kind::kButtonPress, 3);
  ASSERT_EQ(presses.size(), 3u);
  EXPECT_EQ(presses[0].x, 5);
  EXPECT_EQ(presses[0].y, 6);
  EXPECT_EQ(probe_->WaitFor(Kind::kButtonRelease, 1)[0].x, 700);
  EXPECT_EQ(presses[1].button, 4u);
  EXPECT_EQ(presses[2].x, 20);
}

TEST_F(ComputerToolTest, OutOfRangeCoordinatesAreErrorsAndNothingIsClicked) {
  Start({1280, 800});
  tools::ToolResult click = Call({{"action", "left_click"}, {"coordinate", {1280, 5}}});
  EXPECT_TRUE(click.is_error);
  EXPECT_NE(click.text.find("outside the screen"), std::string::npos) << click.text;
  EXPECT_TRUE(probe_->WaitFor(Kind::kButtonPress, 1, std::chrono::milliseconds(200)).empty());
  tools::ToolResult unknown = Call({{"action", "fly"}});
  EXPECT_TRUE(unknown.is_error);
  EXPECT_NE(unknown.text.find("left_click"), std::string::npos);
}

TEST_F(ComputerToolTest, OpenAiActionsAreAccepted) {
  Start({1280, 800});
  tools::ToolResult click =
      Call({{"action", {{"type", "click"}, {"x", 50}, {"y", 60}, {"button", "right"}}}});
  ASSERT_FALSE(click.is_error) << click.text;
  EXPECT_EQ(click.images.size(), 1u);
  ASSERT_FALSE(Call({{"action", {{"type", "type"}, {"text", "Ab\xC3\xA9"}}}}).is_error);
  auto presses = probe_->WaitFor(Kind::kButtonPress, 1);
  ASSERT_EQ(presses.size(), 1u);
  EXPECT_EQ(presses[0].button, 3u);
  EXPECT_EQ(presses[0].x, 50);
  EXPECT_EQ(probe_->WaitForText(3), "Ab\xC3\xA9");
}

TEST_F(ComputerToolTest, ZoomShowsTheRegionEnlarged) {
  Start({1280, 800});
  tools::ToolResult zoom = Call({{"action", "zoom"}, {"region", {0, 0, 320, 200}}});
  ASSERT_FALSE(zoom.is_error) << zoom.text;
  ASSERT_EQ(zoom.images.size(), 1u);
  Result<Image> image = DecodePng(zoom.images[0].data);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->width, 1280);
  EXPECT_EQ(image->height, 800);
  EXPECT_EQ(image->Pixel(1000, 700)[2], 0x99);  // The probe's background, enlarged.
  EXPECT_TRUE(Call({{"action", "zoom"}, {"region", {10, 10, 5, 20}}}).is_error);
}

TEST_F(ComputerToolTest, EveryActionIsRecordedAsAnArtifact) {
  Start({1280, 800});
  ASSERT_FALSE(Call({{"action", "key"}, {"text", "ctrl+a"}}).is_error);
  std::ifstream lines(dir_ / "artifacts" / "actions.jsonl");
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    Result<Json> parsed = ParseJson(line);
    ASSERT_TRUE(parsed.ok());
    ++count;
    ASSERT_TRUE(parsed->contains("screenshot"));
    std::ifstream png(dir_ / "artifacts" / (*parsed)["screenshot"].get<std::string>());
    std::string bytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(DecodePng(bytes).ok());
  }
  EXPECT_EQ(count, 2);  // The first screenshot and the key press.
}

TEST_F(ComputerToolTest, LaunchReportsAProgramThatExitsWithoutAWindow) {
  Start({1280, 800});
  tools::ToolResult launch =
      Call({{"action", "launch"}, {"argv", {"sh", "-c", "echo oops; exit 3"}}});
  EXPECT_TRUE(launch.is_error);
  EXPECT_NE(launch.text.find("exited with code 3"), std::string::npos) << launch.text;
  EXPECT_NE(launch.text.find("oops"), std::string::npos) << launch.text;
}

}  // namespace
}  // namespace mh::desktop
