// Image-folder loader over stb_image (Debian's libstb provides the implementation, so
// STB_IMAGE_IMPLEMENTATION is never defined here). Decodes from memory so a failure names
// the file together with stb's reason.
#include <janus/datasets/image_folder.h>

#include "file_io.h"

#include <stb_image.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <filesystem>

namespace janus::datasets {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif" ||
         ext == ".tga" || ext == ".ppm" || ext == ".pgm";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool want_dirs) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::error_code ec2;
    if (want_dirs ? e.is_directory(ec2) : (e.is_regular_file(ec2) && is_image_file(e.path()))) {
      out.push_back(e.path());
    }
  }
  JANUS_CHECK(!ec, "image_folder: cannot list directory '{}': {}", dir.string(), ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path,
                          int want_channels) {
  JANUS_CHECK(!bytes.empty(), "image_folder: '{}' is empty (0 bytes)", path);
  JANUS_CHECK(bytes.size() <= static_cast<size_t>(INT_MAX), "image_folder: '{}' is too large",
              path);
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c)) {
    const char* why = stbi_failure_reason();
    JANUS_FAIL("image_folder: cannot decode '{}': {}", path, why ? why : "unknown format");
  }
  // Guard against absurd headers before stb allocates (a corrupt file can claim 60000^2).
  JANUS_CHECK(w > 0 && h > 0 && static_cast<int64_t>(w) * h <= (int64_t{1} << 26),
              "image_folder: '{}' claims an unreasonable size {}x{}", path, w, h);
  stbi_uc* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c,
                                        want_channels);
  if (data == nullptr) {
    const char* why = stbi_failure_reason();
    JANUS_FAIL("image_folder: cannot decode '{}': {} (corrupt or unsupported image)", path,
               why ? why : "unknown error");
  }
  DecodedImage img;
  img.height = h;
  img.width = w;
  img.channels = want_channels ? want_channels : c;
  img.pixels.assign(data, data + static_cast<size_t>(img.height * img.width * img.channels));
  stbi_image_free(data);
  return img;
}

DecodedImage resize_bilinear(const DecodedImage& image, int64_t height, int64_t width) {
  JANUS_CHECK(height > 0 && width > 0, "resize_bilinear: target size {}x{} must be positive",
              height, width);
  if (image.height == height && image.width == width) return image;
  DecodedImage out;
  out.height = height;
  out.width = width;
  out.channels = image.channels;
  out.pixels.resize(static_cast<size_t>(height * width * image.channels));  // (H, W, C)
  const double sy = static_cast<double>(image.height) / height;
  const double sx = static_cast<double>(image.width) / width;
  for (int64_t y = 0; y < height; ++y) {
    // Centre-aligned source coordinate, clamped to the image.
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, static_cast<double>(image.height - 1));
    const int64_t y0 = static_cast<int64_t>(fy), y1 = std::min(y0 + 1, image.height - 1);
    const double wy = fy - y0;
    for (int64_t x = 0; x < width; ++x) {
      const double fx =
          std::clamp((x + 0.5) * sx - 0.5, 0.0, static_cast<double>(image.width - 1));
      const int64_t x0 = static_cast<int64_t>(fx), x1 = std::min(x0 + 1, image.width - 1);
      const double wx = fx - x0;
      for (int64_t c = 0; c < image.channels; ++c) {
        auto px = [&](int64_t yy, int64_t xx) {
          return static_cast<double>(image.pixels[static_cast<size_t>((yy * image.width + xx) * image.channels + c)]);
        };
        const double v = (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) +
                         wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        out.pixels[static_cast<size_t>((y * width + x) * image.channels + c)] =
            static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

Dataset load_image_folder(const std::string& root, const ImageFolderOptions& options) {
  detail::require_directory(root, "image_folder");
  const std::vector<fs::path> class_dirs = sorted_entries(root, true);
  JANUS_CHECK(!class_dirs.empty(),
              "image_folder: '{}' has no class sub-folders (expected root/<class>/<image>)", root);
  std::vector<std::string> names;
  std::vector<int32_t> labels;
  std::vector<uint8_t> pixels;  // (N, C, H, W)
  int64_t H = options.height(), W = options.width(), C = 0;
  const std::string* first_file = nullptr;
  std::string first_name;
  for (size_t k = 0; k < class_dirs.size(); ++k) {
    names.push_back(class_dirs[k].filename().string());
    const std::vector<fs::path> files = sorted_entries(class_dirs[k], false);
    JANUS_CHECK(!files.empty(), "image_folder: class folder '{}' contains no images "
                "(.png, .jpg, .jpeg, .bmp, .gif, .tga, .ppm, .pgm)", class_dirs[k].string());
    for (const fs::path& f : files) {
      const std::string path = f.string();
      DecodedImage img = decode_image(detail::read_file(path, "image_folder"), path,
                                      options.keeps_channels() ? 0 : 3);
      if (C == 0) {
        C = img.channels;
        first_name = path;
        first_file = &first_name;
        if (!options.resizes()) {
          H = img.height;
          W = img.width;
        }
      }
      JANUS_CHECK(img.channels == C,
                  "image_folder: '{}' has {} channels but '{}' has {} (keep_channels needs "
                  "equal channel counts -- hint: drop keep_channels to convert all to RGB)",
                  path, img.channels, *first_file, C);
      if (options.resizes()) {
        img = resize_bilinear(img, H, W);
      } else {
        JANUS_CHECK(img.height == H && img.width == W,
                    "image_folder: '{}' is {}x{} but '{}' is {}x{} -- hint: set "
                    "ImageFolderOptions().resize(h, w)",
                    path, img.height, img.width, *first_file, H, W);
      }
      // (H, W, C) -> (C, H, W).
      const size_t base = pixels.size();
      pixels.resize(base + static_cast<size_t>(C * H * W));
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t i = 0; i < H * W; ++i) {
          pixels[base + static_cast<size_t>(c * H * W + i)] = img.pixels[static_cast<size_t>(i * C + c)];
        }
      }
      labels.push_back(static_cast<int32_t>(k));
    }
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  return Dataset::from_uint8(std::move(pixels), {n, C, H, W}, std::move(labels), std::move(names));
}

}  // namespace janus::datasets
