// Image: an 8-bit RGB picture in memory, and the operations screenshots need:
// cropping, area-averaging resize and PNG encoding. Values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "desktop/scaling.h"

namespace mh::desktop {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3 bytes, rows top to bottom.

  uint8_t* Pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* Pixel(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
};

// The rectangle [x0, x1) x [y0, y1) of `image`. Errors: kInvalidArgument when it is
// empty or not inside the image.
Result<Image> Crop(const Image& image, int x0, int y0, int x1, int y1);

// `image` resized to `size`: each output pixel is the average of the source pixels it
// covers (box filter) when shrinking, the nearest source pixel when growing.
Image Resize(const Image& image, Size size);

// PNG bytes of `image` (8-bit RGB). `level` is the zlib level (1 is fast and still
// small for UI pictures); rows use the SUB filter. Errors: kInternal from libpng.
Result<std::string> EncodePng(const Image& image, int level = 1);

// Decodes a PNG (any colour type libpng can expand to 8-bit RGB). For tests and tools
// that read artifacts back. Errors: kInvalidArgument for data that is not a PNG.
Result<Image> DecodePng(const std::string& data);

}  // namespace mh::desktop
