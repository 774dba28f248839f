#include "desktop/image.h"

#include <gtest/gtest.h>

namespace mh::desktop {
namespace {

Image Checker(int width, int height) {
  Image image{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t v = ((x + y) % 2) ? 255 : 0;
      uint8_t* p = image.Pixel(x, y);
      p[0] = v;
      p[1] = static_cast<uint8_t>(x);
      p[2] = static_cast<uint8_t>(y);
    }
  }
  return image;
}

TEST(ImageTest, PngRoundTripKeepsEveryPixel) {
  Image image = Checker(37, 23);
  Result<std::string> png = EncodePng(image);
  ASSERT_TRUE(png.ok()) << png.error().ToString();
  EXPECT_EQ(png->substr(1, 3), "PNG");
  Result<Image> back = DecodePng(*png);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->width, 37);
  EXPECT_EQ(back->height, 23);
  EXPECT_EQ(back->rgb, image.rgb);
}

TEST(ImageTest, ShrinkingAveragesTheCoveredPixels) {
  Image half = Resize(Checker(8, 8), {4, 4});
  ASSERT_EQ(half.width, 4);
  // Each 2x2 block holds two black and two white pixels in channel 0.
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) EXPECT_NEAR(half.Pixel(x, y)[0], 128, 1);
  }
}

TEST(ImageTest, CropTakesTheRegionAndRefusesOutsideOnes) {
  Image image = Checker(10, 10);
  Result<Image> part = Crop(image, 2, 3, 6, 9);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->width, 4);
  EXPECT_EQ(part->height, 6);
  EXPECT_EQ(part->Pixel(0, 0)[1], 2);  // x of the source pixel.
  EXPECT_EQ(part->Pixel(0, 0)[2], 3);  // y of the source pixel.
  EXPECT_FALSE(Crop(image, 5, 5, 11, 6).ok());
  EXPECT_FALSE(Crop(image, 5, 5, 5, 6).ok());
}

TEST(ImageTest, GarbageIsNotAPng) { EXPECT_FALSE(DecodePng("not a png").ok()); }

}  // namespace
}  // namespace mh::desktop
