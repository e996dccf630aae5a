// Image folders: root/<class>/<image>.png|jpg|jpeg|bmp|gif|tga|ppm|pgm decoded with
// stb_image. Classes are the sub-folder names in sorted order (label = position); files
// in each class are sorted by name; other files are ignored. Grey, grey+alpha, RGB and
// RGBA are converted to RGB (alpha dropped) unless keep_channels(true) is set, in which
// case all images must have the same channel count.
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

// One decoded image, channels-last as stb_image returns it: (H, W, C) uint8.
struct DecodedImage {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // (H, W, C)
};

// Decodes an in-memory image file; `path` names it in errors. `want_channels` 0 keeps the
// file's channels, 3 converts to RGB.
DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path,
                          int want_channels);
// Bilinear resize of an (H, W, C) image to (height, width, C).
DecodedImage resize_bilinear(const DecodedImage& image, int64_t height, int64_t width);

Dataset load_image_folder(const std::string& root,
                          const ImageFolderOptions& options = ImageFolderOptions());

}  // namespace janus::datasets
