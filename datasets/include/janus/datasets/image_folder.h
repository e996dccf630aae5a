// Image folders: root/<class>/<image>.png|jpg|jpeg|bmp. Each file's first bytes must be the
// signature of the format its extension names; PNG is decoded by libpng, JPEG by
// libjpeg-turbo, BMP by janus' own reader, all strictly (a truncated file, a bad CRC or
// corrupt compressed data is an error naming the file). Files of other image formats (.gif,
// .tga, .ppm, .webp, ...) are an error; non-image files are ignored. Classes are the
// sub-folder names in sorted order (label = position); files in each class are sorted by
// name. Grey, grey+alpha, RGB and RGBA are converted to RGB (alpha dropped) unless
// keep_channels(true) is set, in which case all images must have the same channel count.
// Limits, checked from the header before decoding: kMaxImagePixels per image and
// kMaxImageFileBytes per file.
//
// Sizes: with resize(H, W) every image is resized to H x W with bilinear interpolation
// (pixel centres aligned, as in OpenCV's INTER_LINEAR / PIL without antialiasing);
// without it all images must have the size of the first one, else an error names the file.
//
//   Dataset d = load_image_folder("photos/train", ImageFolderOptions().resize(32, 32));
#pragma once

#include <janus/datasets/dataset.h>

#include <string>

namespace janus::datasets {

// The most pixels (width x height) one image may have: 2^24, e.g. 4096 x 4096.
constexpr int64_t kMaxImagePixels = int64_t{1} << 24;
// The largest image file read: 256 MiB.
constexpr uint64_t kMaxImageFileBytes = uint64_t{256} << 20;

class ImageFolderOptions {
 public:
  // Resize every image to height x width (bilinear). Default: no resize, sizes must match.
  ImageFolderOptions& resize(int64_t height, int64_t width) {
    height_ = height;
    width_ = width;
    return *this;
  }
  // Keep each file's channel count (1..4) instead of converting to RGB. Default: false.
  ImageFolderOptions& keep_channels(bool value) {
    keep_channels_ = value;
    return *this;
  }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  bool resizes() const { return height_ > 0; }
  bool keeps_channels() const { return keep_channels_; }

 private:
  int64_t height_ = 0;
  int64_t width_ = 0;
  bool keep_channels_ = false;
};

// One decoded image, channels-last: (H, W, C) uint8.
struct DecodedImage {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // (H, W, C)
};

// Decodes an in-memory PNG, JPEG or BMP file; `path` names it in errors and, when it has an
// image extension, must agree with the format the bytes start with. `want_channels` 0 keeps
// the file's channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), 3 converts to RGB.
DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path,
                          int want_channels);
// Bilinear resize of an (H, W, C) image to (height, width, C).
DecodedImage resize_bilinear(const DecodedImage& image, int64_t height, int64_t width);

Dataset load_image_folder(const std::string& root,
                          const ImageFolderOptions& options = ImageFolderOptions());

}  // namespace janus::datasets
