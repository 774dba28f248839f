// Desktop against a real Xvfb, checked by a probe client that records what arrives.
#include "desktop/desktop.h"

#include <gtest/gtest.h>

#include "desktop/probe_client.h"
#include "desktop/xvfb.h"

namespace mh::desktop {
namespace {

using testing::ProbeClient;
using testing::ProbeEvent;
using Kind = ProbeEvent::Kind;

constexpr unsigned kControlMask = 1 << 2;
constexpr unsigned kShiftMask = 1 << 0;

class DesktopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto display = VirtualDisplay::Start({});
    ASSERT_TRUE(display.ok()) << display.error().ToString();
    display_ = std::move(*display);
    auto desktop = Desktop::Connect(display_->name(), display_->auth_file());
    ASSERT_TRUE(desktop.ok()) << desktop.error().ToString();
    desktop_ = std::move(*desktop);
    auto probe = ProbeClient::Open(display_->name(), display_->auth_file());
    ASSERT_TRUE(probe.ok()) << probe.error().ToString();
    probe_ = std::move(*probe);
    probe_->Clear();
  }

  std::unique_ptr<VirtualDisplay> display_;
  std::unique_ptr<Desktop> desktop_;
  std::unique_ptr<ProbeClient> probe_;
};

TEST_F(DesktopTest, ClicksArriveAtTheCoordinatesWithTheRightButton) {
  ASSERT_TRUE(desktop_->MoveMouse({100, 200}).ok());
  ASSERT_TRUE(desktop_->Click(MouseButton::kLeft, 1).ok());
  ASSERT_TRUE(desktop_->MoveMouse({640, 400}).ok());
  ASSERT_TRUE(desktop_->Click(MouseButton::kRight, 1).ok());
  auto presses = probe_->WaitFor(Kind::kButtonPress, 2);
  ASSERT_EQ(presses.size(), 2u);
  EXPECT_EQ(presses[0].button, 1u);
  EXPECT_EQ(presses[0].x, 100);
  EXPECT_EQ(presses[0].y, 200);
  EXPECT_EQ(presses[1].button, 3u);
  EXPECT_EQ(presses[1].x, 640);
  EXPECT_EQ(probe_->WaitFor(Kind::kButtonRelease, 2).size(), 2u);
}

TEST_F(DesktopTest, ClickingWhereThePointerIsDoesNotStall) {
  ASSERT_TRUE(desktop_->MoveMouse({300, 300}).ok());
  ASSERT_TRUE(desktop_->MoveMouse({300, 300}).ok());
  ASSERT_TRUE(desktop_->Click(MouseButton::kLeft, 3).ok());
  auto presses = probe_->WaitFor(Kind::kButtonPress, 3);
  ASSERT_EQ(presses.size(), 3u);
  for (const ProbeEvent& e : presses) EXPECT_EQ(e.x, 300);
}

TEST_F(DesktopTest, ModifiersAreHeldDuringAClick) {
  ASSERT_TRUE(desktop_->MoveMouse({50, 60}).ok());
  ASSERT_TRUE(desktop_->Click(MouseButton::kLeft, 1, *ParseKeys("ctrl").value().begin()).ok());
  auto presses = probe_->WaitFor(Kind::kButtonPress, 1);
  ASSERT_EQ(presses.size(), 1u);
  EXPECT_TRUE(presses[0].state & kControlMask);
}

TEST_F(DesktopTest, DragPressesAtTheStartAndReleasesAtTheEnd) {
  ASSERT_TRUE(desktop_->Drag({10, 20}, {310, 220}).ok());
  auto presses = probe_->WaitFor(Kind::kButtonPress, 1);
  auto releases = probe_->WaitFor(Kind::kButtonRelease, 1);
  ASSERT_EQ(presses.size(), 1u);
  ASSERT_EQ(releases.size(), 1u);
  EXPECT_EQ(presses[0].x, 10);
  EXPECT_EQ(presses[0].y, 20);
  EXPECT_EQ(releases[0].x, 310);
  EXPECT_EQ(releases[0].y, 220);
  auto motion = probe_->WaitFor(Kind::kMotion, 3);
  EXPECT_GE(motion.size(), 3u);  // The drag is seen moving, not jumping.
}

TEST_F(DesktopTest, ScrollUsesWheelButtons) {
  ASSERT_TRUE(desktop_->MoveMouse({400, 300}).ok());
  ASSERT_TRUE(desktop_->Scroll(ScrollDirection::kDown, 3).ok());
  ASSERT_TRUE(desktop_->Scroll(ScrollDirection::kLeft, 1).ok());
  auto presses = probe_->WaitFor(Kind::kButtonPress, 4);
  ASSERT_EQ(presses.size(), 4u);
  EXPECT_EQ(presses[0].button, 5u);
  EXPECT_EQ(presses[2].button, 5u);
  EXPECT_EQ(presses[3].button, 6u);
  EXPECT_EQ(presses[3].x, 400);
}

TEST_F(DesktopTest, TypesShiftedAndNonAsciiText) {
  const std::string text = "Hello, World! ~{}|\"? h\xC3\xA9llo \xE2\x82\xAC \xC3\x9F\xCE\xBB";
  ASSERT_TRUE(desktop_->Type(text).ok());
  EXPECT_EQ(probe_->WaitForText(DecodeUtf8(text)->size()), text);
}

TEST_F(DesktopTest, KeyChordsCarryTheirModifiers) {
  ASSERT_TRUE(desktop_->PressKeys(*ParseKeys("ctrl+s shift+Tab")).ok());
  auto keys = probe_->WaitFor(Kind::kKeyPress, 4);
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[1].text, "s");
  EXPECT_TRUE(keys[1].state & kControlMask);
  EXPECT_TRUE(keys[3].state & kShiftMask);
}

TEST_F(DesktopTest, CaptureShowsTheScreenAndTheCursor) {
  ASSERT_TRUE(desktop_->MoveMouse({400, 300}).ok());
  ASSERT_TRUE(desktop_->Settle().ok());
  Result<Image> shot = desktop_->Capture();
  ASSERT_TRUE(shot.ok()) << shot.error().ToString();
  EXPECT_TRUE(desktop_->using_shm());
  ASSERT_EQ(shot->width, 1280);
  ASSERT_EQ(shot->height, 800);
  const uint8_t* far = shot->Pixel(1000, 700);
  EXPECT_EQ(far[0], 0x33);
  EXPECT_EQ(far[1], 0x66);
  EXPECT_EQ(far[2], 0x99);
  // The cursor is drawn around its hot spot.
  int differing = 0;
  for (int y = 290; y < 310; ++y) {
    for (int x = 390; x < 410; ++x) differing += shot->Pixel(x, y)[0] != 0x33;
  }
  EXPECT_GT(differing, 10);
}

TEST_F(DesktopTest, SettleReturnsOnAQuietScreen) {
  Result<bool> settled = desktop_->Settle();
  ASSERT_TRUE(settled.ok());
  EXPECT_TRUE(*settled);
  auto position = desktop_->MoveMouse({7, 9});
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*desktop_->CursorPosition(), (Point{7, 9}));
}

}  // namespace
}  // namespace mh::desktop
