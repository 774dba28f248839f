#include "desktop/scaling.h"

#include <gtest/gtest.h>

namespace mh::desktop {
namespace {

TEST(ScaledSizeTest, SmallScreensAreShownAsTheyAre) {
  EXPECT_EQ(ScaledSize({1280, 800}), (Size{1280, 800}));
  EXPECT_EQ(ScaledSize({1024, 768}), (Size{1024, 768}));
}

TEST(ScaledSizeTest, LargeScreensFitTheLongEdgeAndPixelLimits) {
  Size full_hd = ScaledSize({1920, 1080});
  EXPECT_LE(full_hd.width, 1568);
  EXPECT_LE(int64_t{full_hd.width} * full_hd.height, 1'150'000);
  EXPECT_NEAR(static_cast<double>(full_hd.width) / full_hd.height, 1920.0 / 1080, 0.01);
  // A very wide screen is bound by the long edge.
  Size wide = ScaledSize({4000, 500});
  EXPECT_EQ(wide.width, 1568);
  EXPECT_EQ(wide.height, 196);
}

TEST(ScaledSizeTest, ZeroLimitsTurnScalingOff) {
  EXPECT_EQ(ScaledSize({1920, 1080}, {0, 0}), (Size{1920, 1080}));
}

TEST(ScalerTest, MapsModelCoordinatesToTheScreenAndBack) {
  Scaler scaler({1920, 1080});
  ASSERT_TRUE(scaler.scaling());
  Size model = scaler.model();
  EXPECT_EQ(*scaler.ToScreen({0, 0}), (Point{0, 0}));
  EXPECT_EQ(*scaler.ToScreen({model.width - 1, model.height - 1}), (Point{1919, 1079}));
  Point middle = *scaler.ToScreen({model.width / 2, model.height / 2});
  EXPECT_NEAR(middle.x, 960, 2);
  EXPECT_NEAR(middle.y, 540, 2);
  // Round trip lands on the same model pixel.
  for (int x : {0, 1, 17, 500, model.width - 1}) {
    Point screen = *scaler.ToScreen({x, 10});
    EXPECT_EQ(scaler.ToModel(screen).x, x);
  }
}

TEST(ScalerTest, OutOfRangeCoordinatesAreErrorsNotClamped) {
  Scaler scaler({1280, 800});
  EXPECT_FALSE(scaler.scaling());
  EXPECT_EQ(*scaler.ToScreen({1279, 799}), (Point{1279, 799}));
  Result<Point> outside = scaler.ToScreen({1280, 10});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message().find("0..1279"), std::string::npos);
  EXPECT_FALSE(scaler.ToScreen({-1, 10}).ok());
  EXPECT_FALSE(scaler.ToScreen({5, 800}).ok());
}

}  // namespace
}  // namespace mh::desktop
