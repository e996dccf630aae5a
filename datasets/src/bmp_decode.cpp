// BMP decoder: the Windows bitmap formats found in practice -- BITMAPINFOHEADER and its V2 to
// V5 extensions, 1/4/8-bit palettes, 16/24/32-bit BI_RGB and BI_BITFIELDS, bottom-up or
// top-down (negative height). RLE and OS/2 bitmaps are refused. Every offset and size is
// checked against the file before it is used, the pixel data must be complete, and a
// palette index past the palette is an error.
#include "image_decode.h"

#include <janus/core/error.h>

#include <cstring>

namespace janus::datasets::detail {

namespace {

uint32_t le16(const uint8_t* p) { return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8); }
uint32_t le32(const uint8_t* p) { return le16(p) | (le16(p + 2) << 16); }

// One channel of a BI_BITFIELDS mask: where its bits are and how to widen them to 8 bits.
struct Channel {
  uint32_t mask = 0;
  int shift = 0, bits = 0;
  uint8_t get(uint32_t v) const {
    if (bits == 0) return 0;
    const uint32_t x = (v & mask) >> shift;
    if (bits >= 8) return static_cast<uint8_t>(x >> (bits - 8));
    return static_cast<uint8_t>((x * 255u + ((1u << bits) - 1) / 2) / ((1u << bits) - 1));
  }
};

Channel channel_of(uint32_t mask, const std::string& path, const char* name) {
  Channel c;
  c.mask = mask;
  if (mask == 0) return c;
  while (((mask >> c.shift) & 1u) == 0) ++c.shift;
  const uint32_t run = mask >> c.shift;
  JANUS_CHECK((run & (run + 1)) == 0, "image_folder: BMP '{}' has a {} mask 0x{:08x} whose bits are not contiguous",
              path, name, mask);
  while (c.bits < 32 && ((run >> c.bits) & 1u)) ++c.bits;
  return c;
}

}  // namespace

DecodedImage decode_bmp(const std::vector<uint8_t>& bytes, const std::string& path) {
  auto fail = [&](const std::string& why) { JANUS_FAIL("image_folder: cannot decode BMP '{}': {}", path, why); };
  const uint64_t size = bytes.size();
  if (size < 14 + 4) fail(fmt::format("the file is truncated: {} bytes, too short for the headers", size));
  const uint8_t* b = bytes.data();
  const uint64_t pixel_offset = le32(b + 10);
  const uint32_t hsz = le32(b + 14);
  if (hsz == 12) fail("OS/2 bitmaps (12-byte header) are not supported");
  if (hsz != 40 && hsz != 52 && hsz != 56 && hsz != 108 && hsz != 124)
    fail(fmt::format("unknown header size {} (expected 40, 52, 56, 108 or 124)", hsz));
  if (size < 14 + uint64_t{hsz}) fail(fmt::format("the file is truncated inside its {}-byte header", hsz));
  const int32_t w = static_cast<int32_t>(le32(b + 18)), h_raw = static_cast<int32_t>(le32(b + 22));
  const uint32_t planes = le16(b + 26), bpp = le16(b + 28), compression = le32(b + 30);
  const uint32_t colors_used = le32(b + 46);
  if (planes != 1) fail(fmt::format("{} colour planes (expected 1)", planes));
  if (h_raw == INT32_MIN) fail("invalid height");
  const bool top_down = h_raw < 0;
  const int64_t width = w, height = top_down ? -static_cast<int64_t>(h_raw) : h_raw;
  check_image_size(width, height, path, "BMP");
  enum : uint32_t { kRgb = 0, kRle8 = 1, kRle4 = 2, kBitfields = 3, kAlphaBitfields = 6 };
  if (compression == kRle8 || compression == kRle4) fail("RLE-compressed bitmaps are not supported");
  if (compression != kRgb && compression != kBitfields && compression != kAlphaBitfields)
    fail(fmt::format("unsupported compression {}", compression));
  const bool bitfields = compression != kRgb;
  if (bitfields && bpp != 16 && bpp != 32) fail(fmt::format("BI_BITFIELDS needs 16 or 32 bits per pixel (got {})", bpp));
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    fail(fmt::format("{} bits per pixel (expected 1, 4, 8, 16, 24 or 32)", bpp));

  // Masks: in the header from V2 on, else after a 40-byte header when BI_BITFIELDS.
  uint64_t after_header = 14 + uint64_t{hsz};
  uint32_t masks[4] = {0, 0, 0, 0};
  if (bitfields) {
    const int n = compression == kAlphaBitfields ? 4 : 3;
    const uint64_t at = hsz >= 52 ? 14 + 40 : after_header;
    if (hsz == 40) after_header += 4u * static_cast<uint64_t>(n);
    if (at + 4u * static_cast<uint64_t>(n) > size) fail("the file is truncated inside its colour masks");
    for (int i = 0; i < n; ++i) masks[i] = le32(b + at + 4 * i);
    if (hsz >= 56) masks[3] = le32(b + 14 + 52);
  } else if (bpp == 16) {
    masks[0] = 0x7c00;
    masks[1] = 0x03e0;
    masks[2] = 0x001f;
  } else if (bpp == 32) {
    masks[0] = 0x00ff0000;
    masks[1] = 0x0000ff00;
    masks[2] = 0x000000ff;
    masks[3] = 0xff000000;  // alpha when any pixel sets it (all zero means opaque), as stb_image and browsers
  }

  // Palette: 4-byte BGRx entries after the headers, `colors_used` of them (0 = all 2^bpp).
  std::vector<uint8_t> palette;  // RGB triplets
  if (bpp <= 8) {
    const uint32_t max_colors = 1u << bpp;
    if (colors_used > max_colors) fail(fmt::format("{} palette colours for {} bits per pixel", colors_used, bpp));
    const uint32_t n = colors_used == 0 ? max_colors : colors_used;
    if (after_header + 4u * uint64_t{n} > size) fail("the file is truncated inside its palette");
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t* e = b + after_header + 4 * i;
      palette.insert(palette.end(), {e[2], e[1], e[0]});
    }
    after_header += 4u * uint64_t{n};
  }
  if (pixel_offset < after_header || pixel_offset > size)
    fail(fmt::format("pixel data offset {} is outside [{}, {}]", pixel_offset, after_header, size));
  const uint64_t stride = (static_cast<uint64_t>(width) * bpp + 31) / 32 * 4;
  if (pixel_offset + stride * static_cast<uint64_t>(height) > size)
    fail(fmt::format("the file is truncated: {}x{} pixels at {} bits need {} bytes from offset {}, the file has {}",
                     width, height, bpp, stride * static_cast<uint64_t>(height), pixel_offset, size - pixel_offset));

  const Channel red = channel_of(masks[0], path, "red"), green = channel_of(masks[1], path, "green"),
                blue = channel_of(masks[2], path, "blue"), alpha = channel_of(masks[3], path, "alpha");
  DecodedImage img;
  img.width = width;
  img.height = height;
  img.channels = bpp <= 8 || bpp == 24 || masks[3] == 0 ? 3 : 4;
  img.pixels.resize(static_cast<size_t>(width * height * img.channels));  // (H, W, C)
  bool any_alpha = false;
  for (int64_t row = 0; row < height; ++row) {
    const uint8_t* src = b + pixel_offset + stride * static_cast<uint64_t>(row);
    const int64_t y = top_down ? row : height - 1 - row;
    uint8_t* dst = img.pixels.data() + y * width * img.channels;
    for (int64_t x = 0; x < width; ++x, dst += img.channels) {
      if (bpp <= 8) {
        const uint32_t bit = static_cast<uint32_t>(x) * bpp;
        const uint32_t index = (src[bit / 8] >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
        if (index * 3 >= palette.size())
          fail(fmt::format("pixel ({}, {}) uses palette entry {} of {}", x, y, index, palette.size() / 3));
        std::memcpy(dst, &palette[index * 3], 3);
      } else if (bpp == 24) {
        const uint8_t* p = src + 3 * x;
        dst[0] = p[2];
        dst[1] = p[1];
        dst[2] = p[0];
      } else {
        const uint32_t v = bpp == 16 ? le16(src + 2 * x) : le32(src + 4 * x);
        dst[0] = red.get(v);
        dst[1] = green.get(v);
        dst[2] = blue.get(v);
        if (img.channels == 4) {
          dst[3] = alpha.get(v);
          any_alpha = any_alpha || dst[3] != 0;
        }
      }
    }
  }
  if (img.channels == 4 && !any_alpha)
    for (size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
  return img;
}

}  // namespace janus::datasets::detail
