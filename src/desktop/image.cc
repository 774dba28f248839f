#include "desktop/image.h"

#include <png.h>

#include <algorithm>
#include <cstring>

namespace mh::desktop {
namespace {

// libpng reports errors through longjmp; the handlers below record the message.
struct PngError {
  std::string message;
};

void OnPngError(png_structp png, png_const_charp message) {
  auto* error = static_cast<PngError*>(png_get_error_ptr(png));
  error->message = message;
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void FlushNothing(png_structp) {}

// Averages the source block [x0,x1) x [y0,y1) into `out`.
void AverageBlock(const Image& src, int x0, int x1, int y0, int y1, uint8_t* out) {
  uint32_t sum[3] = {0, 0, 0};
  for (int y = y0; y < y1; ++y) {
    const uint8_t* p = src.Pixel(x0, y);
    for (int x = x0; x < x1; ++x, p += 3) {
      sum[0] += p[0];
      sum[1] += p[1];
      sum[2] += p[2];
    }
  }
  uint32_t n = static_cast<uint32_t>((x1 - x0) * (y1 - y0));
  for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>((sum[c] + n / 2) / n);
}

}  // namespace

Result<Image> Crop(const Image& image, int x0, int y0, int x1, int y1) {
  if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height || x0 >= x1 || y0 >= y1) {
    return InvalidArgumentError("region [" + std::to_string(x0) + ", " + std::to_string(y0) + ", " +
                                std::to_string(x1) + ", " + std::to_string(y1) +
                                "] is empty or outside the " + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + " image");
  }
  Image out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(out.Pixel(0, y), image.Pixel(x0, y0 + y), static_cast<size_t>(out.width) * 3);
  }
  return out;
}

Image Resize(const Image& image, Size size) {
  if (size.width == image.width && size.height == image.height) return image;
  Image out;
  out.width = std::max(size.width, 1);
  out.height = std::max(size.height, 1);
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  for (int oy = 0; oy < out.height; ++oy) {
    int y0 = static_cast<int>(static_cast<int64_t>(oy) * image.height / out.height);
    int y1 = static_cast<int>(static_cast<int64_t>(oy + 1) * image.height / out.height);
    y1 = std::clamp(y1, y0 + 1, image.height);
    for (int ox = 0; ox < out.width; ++ox) {
      int x0 = static_cast<int>(static_cast<int64_t>(ox) * image.width / out.width);
      int x1 = static_cast<int>(static_cast<int64_t>(ox + 1) * image.width / out.width);
      x1 = std::clamp(x1, x0 + 1, image.width);
      AverageBlock(image, x0, x1, y0, y1, out.Pixel(ox, oy));
    }
  }
  return out;
}

Result<std::string> EncodePng(const Image& image, int level) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return InvalidArgumentError("cannot encode an empty or inconsistent image");
  }
  PngError error;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, OnPngError, OnPngWarning);
  if (png == nullptr) return InternalError("png_create_write_struct failed");
  png_infop info = png_create_info_struct(png);
  std::string out;
  out.reserve(image.rgb.size() / 8);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return InternalError("PNG encoding failed: " + error.message);
  }
  png_set_write_fn(png, &out, AppendToString, FlushNothing);
  png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, level);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) {
    png_write_row(png, const_cast<png_bytep>(image.Pixel(0, y)));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

Result<Image> DecodePng(const std::string& data) {
  png_image decoder;
  std::memset(&decoder, 0, sizeof(decoder));
  decoder.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&decoder, data.data(), data.size())) {
    return InvalidArgumentError(std::string("not a PNG: ") + decoder.message);
  }
  decoder.format = PNG_FORMAT_RGB;
  Image out;
  out.width = static_cast<int>(decoder.width);
  out.height = static_cast<int>(decoder.height);
  out.rgb.resize(PNG_IMAGE_SIZE(decoder));
  if (!png_image_finish_read(&decoder, nullptr, out.rgb.data(), 0, nullptr)) {
    std::string message = decoder.message;
    png_image_free(&decoder);
    return InvalidArgumentError("bad PNG: " + message);
  }
  return out;
}

}  // namespace mh::desktop
