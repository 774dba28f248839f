#include "desktop/scaling.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mh::desktop {
namespace {

int MapAxis(int value, int from, int to) {
  // Pixel centres map onto pixel centres: the last pixel maps to the last pixel.
  if (from <= 1) return 0;
  double scaled = static_cast<double>(value) * (to - 1) / (from - 1);
  return std::clamp(static_cast<int>(std::lround(scaled)), 0, to - 1);
}

}  // namespace

Size ScaledSize(Size screen, ScaleLimits limits) {
  if (screen.width <= 0 || screen.height <= 0) return {1, 1};
  double factor = 1.0;
  int long_edge = std::max(screen.width, screen.height);
  if (limits.max_long_edge > 0 && long_edge > limits.max_long_edge) {
    factor = std::min(factor, static_cast<double>(limits.max_long_edge) / long_edge);
  }
  double pixels = static_cast<double>(screen.width) * screen.height;
  if (limits.max_pixels > 0 && pixels > static_cast<double>(limits.max_pixels)) {
    factor = std::min(factor, std::sqrt(static_cast<double>(limits.max_pixels) / pixels));
  }
  if (factor >= 1.0) return screen;
  Size out{static_cast<int>(screen.width * factor), static_cast<int>(screen.height * factor)};
  out.width = std::max(out.width, 1);
  out.height = std::max(out.height, 1);
  return out;
}

Result<Point> Scaler::ToScreen(Point p) const {
  if (p.x < 0 || p.y < 0 || p.x >= model_.width || p.y >= model_.height) {
    return InvalidArgumentError("coordinate [" + std::to_string(p.x) + ", " + std::to_string(p.y) +
                                "] is outside the screen: x must be 0.." +
                                std::to_string(model_.width - 1) + " and y 0.." +
                                std::to_string(model_.height - 1));
  }
  if (!scaling()) return p;
  return Point{MapAxis(p.x, model_.width, screen_.width),
               MapAxis(p.y, model_.height, screen_.height)};
}

Point Scaler::ToModel(Point p) const {
  if (!scaling()) {
    return {std::clamp(p.x, 0, model_.width - 1), std::clamp(p.y, 0, model_.height - 1)};
  }
  return Point{MapAxis(std::clamp(p.x, 0, screen_.width - 1), screen_.width, model_.width),
               MapAxis(std::clamp(p.y, 0, screen_.height - 1), screen_.height, model_.height)};
}

}  // namespace mh::desktop
