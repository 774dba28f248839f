// Scaling between the screen and the image the model sees.
//
// Models accept screenshots up to a long edge and a pixel count (1568 px and about
// 1.15 megapixels for Anthropic's models). A Scaler computes the size the screen is
// shown at and maps coordinates both ways, rounding to the nearest pixel. Pure and
// thread-safe.
#pragma once

#include <cstdint>

#include "base/status.h"

namespace mh::desktop {

struct Size {
  int width = 0;
  int height = 0;
  friend bool operator==(const Size&, const Size&) = default;
};

struct Point {
  int x = 0;
  int y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

struct ScaleLimits {
  int max_long_edge = 1568;
  int64_t max_pixels = 1'150'000;
};

// The largest size with the aspect ratio of `screen` (rounded down) that fits the
// limits; `screen` itself when it already fits. Never upscales; at least 1x1.
Size ScaledSize(Size screen, ScaleLimits limits = {});

class Scaler {
 public:
  Scaler(Size screen, ScaleLimits limits = {})
      : screen_(screen), model_(ScaledSize(screen, limits)) {}

  Size screen() const { return screen_; }
  Size model() const { return model_; }
  bool scaling() const { return !(screen_ == model_); }

  // Model coordinates to screen coordinates. Errors: kInvalidArgument naming the
  // valid range when `p` is outside the model image (never clamped to the edge).
  Result<Point> ToScreen(Point p) const;
  // Screen coordinates to model coordinates, clamped into the model image.
  Point ToModel(Point p) const;

 private:
  Size screen_;
  Size model_;
};

}  // namespace mh::desktop
