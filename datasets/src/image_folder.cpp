// Image-folder loader. decode_image sniffs the format from the first bytes, requires it to
// match the file name's extension, and hands the bytes to that format's decoder only
// (image_decode.h: libpng, libjpeg-turbo, janus' BMP reader) -- never to a decoder of every
// format at once, so a file can reach only the code of the format it claims to be.
#include <janus/datasets/image_folder.h>

#include "file_io.h"
#include "image_decode.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

namespace janus::datasets {

namespace fs = std::filesystem;

namespace {

enum class Format { png, jpeg, bmp, unsupported, other };

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// What the file name says. Image formats janus does not decode are named so that an error
// can say so instead of skipping such files silently.
Format format_of_name(const fs::path& p) {
  const std::string ext = lower_extension(p);
  if (ext == ".png") return Format::png;
  if (ext == ".jpg" || ext == ".jpeg") return Format::jpeg;
  if (ext == ".bmp") return Format::bmp;
  for (const char* e : {".gif", ".tga", ".ppm", ".pgm", ".pnm", ".pbm", ".hdr", ".psd", ".pic", ".webp", ".tif",
                        ".tiff"})
    if (ext == e) return Format::unsupported;
  return Format::other;
}

bool is_image_file(const fs::path& p) { return format_of_name(p) != Format::other; }

// What the first bytes say.
Format format_of_bytes(const std::vector<uint8_t>& b) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() >= 8 && std::equal(png_sig, png_sig + 8, b.begin())) return Format::png;
  if (b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return Format::jpeg;
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return Format::bmp;
  return Format::other;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::png: return "PNG";
    case Format::jpeg: return "JPEG";
    case Format::bmp: return "BMP";
    default: return "unknown";
  }
}

std::string first_bytes(const std::vector<uint8_t>& b) {
  std::string s;
  for (size_t i = 0; i < std::min<size_t>(8, b.size()); ++i) s += fmt::format("{}{:02x}", i ? " " : "", b[i]);
  return s;
}

// Grey, grey+alpha, RGB or RGBA (H, W, C) to RGB: grey is replicated, alpha dropped.
DecodedImage to_rgb(DecodedImage img) {
  if (img.channels == 3) return img;
  const int64_t n = img.height * img.width, c = img.channels;
  std::vector<uint8_t> rgb(static_cast<size_t>(n * 3));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < 3; ++k) rgb[static_cast<size_t>(i * 3 + k)] = img.pixels[static_cast<size_t>(i * c + (c >= 3 ? k : 0))];
  img.pixels = std::move(rgb);
  img.channels = 3;
  return img;
}

}  // namespace

namespace detail {

void check_image_size(int64_t width, int64_t height, const std::string& path, const char* format) {
  JANUS_CHECK(width > 0 && height > 0, "image_folder: {} '{}' has an invalid size {}x{}", format, path, width, height);
  JANUS_CHECK(width <= kMaxImagePixels && height <= kMaxImagePixels && width * height <= kMaxImagePixels,
              "image_folder: {} '{}' is {}x{} pixels, more than the {} pixel limit (kMaxImagePixels)", format, path,
              width, height, kMaxImagePixels);
}

}  // namespace detail

namespace {

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

DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path, int want_channels) {
  JANUS_CHECK(want_channels == 0 || want_channels == 3, "decode_image: want_channels must be 0 or 3 (got {})",
              want_channels);
  JANUS_CHECK(!bytes.empty(), "image_folder: '{}' is empty (0 bytes)", path);
  const Format named = format_of_name(path), found = format_of_bytes(bytes);
  JANUS_CHECK(named != Format::unsupported, "image_folder: '{}': janus decodes PNG, JPEG and BMP images only (convert "
              "this file, e.g. with ImageMagick's convert)", path);
  if (found == Format::other) {
    JANUS_FAIL("image_folder: '{}' is not a {} file: its first bytes {} are no PNG, JPEG or BMP signature", path,
               named == Format::other ? "PNG, JPEG or BMP" : format_name(named), first_bytes(bytes));
  }
  JANUS_CHECK(named == Format::other || named == found,
              "image_folder: '{}' is named as a {} file but its first bytes are a {} signature (rename it)", path,
              format_name(named), format_name(found));
  DecodedImage img = found == Format::png    ? detail::decode_png(bytes, path)
                     : found == Format::jpeg ? detail::decode_jpeg(bytes, path)
                                             : detail::decode_bmp(bytes, path);
  return want_channels == 3 ? to_rgb(std::move(img)) : img;
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
    JANUS_CHECK(!files.empty(), "image_folder: class folder '{}' contains no images (.png, .jpg, .jpeg, .bmp)",
                class_dirs[k].string());
    for (const fs::path& f : files) {
      const std::string path = f.string();
      DecodedImage img = decode_image(detail::read_file(path, "image_folder", kMaxImageFileBytes), path,
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
