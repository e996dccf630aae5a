// PNG through libpng (Debian's libpng16, a decoder maintained for untrusted input), strict:
// CRC errors in any chunk, benign errors (extra or missing image data) and a file that ends
// before IEND are errors; ancillary chunks are capped in count and size. libpng reports
// errors by longjmp, so the setjmp frames below hold no C++ object that needs destroying.
#include "image_decode.h"

#include <janus/core/error.h>

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

namespace janus::datasets::detail {

namespace {

struct PngContext {
  const uint8_t* data;
  size_t size;
  size_t pos = 8;            // after the signature, checked by the caller
  const char* stage = "the header";
  char message[256] = {0};   // libpng's reason, copied before the longjmp
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // e.g. a known-incorrect sRGB profile: harmless

void read_bytes(png_structp png, png_bytep out, size_t n) {
  auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
  if (n > ctx->size - ctx->pos) {
    std::snprintf(ctx->message, sizeof ctx->message, "the file is truncated: it ends inside %s", ctx->stage);
    png_longjmp(png, 1);
  }
  std::memcpy(out, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

struct Header {
  png_uint_32 width = 0, height = 0;
  int channels = 0;
};

// Reads up to the first IDAT and sets the transformations to 8-bit grey/grey+alpha/RGB/RGBA.
bool read_header(png_structp png, png_infop info, PngContext& ctx, Header& h) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  int bit_depth = 0, color_type = 0;
  png_get_IHDR(png, info, &h.width, &h.height, &bit_depth, &color_type, nullptr, nullptr, nullptr);
  if (static_cast<uint64_t>(h.width) * h.height > static_cast<uint64_t>(kMaxImagePixels)) return true;
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_strip_16(png);  // the high byte, as stb_image and Pillow
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  h.channels = png_get_channels(png, info);
  ctx.stage = "the image data (IDAT)";
  return true;
}

bool read_pixels(png_structp png, png_infop info, PngContext& ctx, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  ctx.stage = "the chunks after the image data (no IEND chunk)";
  png_read_end(png, info);
  return true;
}

}  // namespace

DecodedImage decode_png(const std::vector<uint8_t>& bytes, const std::string& path) {
  PngContext ctx{bytes.data(), bytes.size()};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
  JANUS_CHECK(png != nullptr, "image_folder: libpng could not start for '{}'", path);
  png_infop info = png_create_info_struct(png);
  struct Destroy {
    png_structp* png;
    png_infop* info;
    ~Destroy() { png_destroy_read_struct(png, info, nullptr); }
  } destroy{&png, &info};
  JANUS_CHECK(info != nullptr, "image_folder: libpng could not start for '{}'", path);
  png_set_read_fn(png, &ctx, read_bytes);
  png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);  // ancillary chunks too
  png_set_benign_errors(png, 0);                                     // benign errors are errors
  png_set_user_limits(png, 1u << 20, 1u << 20);
  png_set_chunk_cache_max(png, 1000);
  png_set_chunk_malloc_max(png, 8u << 20);
  // Only IHDR, PLTE, tRNS, IDAT and IEND matter for the pixels: every other chunk (colour
  // profiles, text, time, ...) is skipped unparsed -- still CRC-checked -- so that neither
  // its parser nor its strictness about odd but harmless content is in the way.
  static const png_byte ignored[] = "iCCP\0zTXt\0iTXt\0tEXt\0sPLT\0eXIf\0tIME\0pHYs\0sBIT\0hIST\0cHRM\0gAMA\0"
                                    "sRGB\0bKGD\0oFFs\0pCAL\0sCAL";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, static_cast<int>(sizeof ignored / 5));

  Header h;
  if (!read_header(png, info, ctx, h))
    JANUS_FAIL("image_folder: cannot decode PNG '{}': {}", path, ctx.message);
  check_image_size(h.width, h.height, path, "PNG");
  JANUS_CHECK(h.channels >= 1 && h.channels <= 4, "image_folder: PNG '{}' decodes to {} channels, expected 1 to 4",
              path, h.channels);
  JANUS_CHECK(png_get_rowbytes(png, info) == static_cast<size_t>(h.width) * h.channels,
              "image_folder: PNG '{}': unexpected row size after conversion to 8 bits", path);
  DecodedImage img;
  img.width = h.width;
  img.height = h.height;
  img.channels = h.channels;
  img.pixels.resize(static_cast<size_t>(img.width * img.height * img.channels));  // (H, W, C)
  std::vector<png_bytep> rows(static_cast<size_t>(img.height));
  for (int64_t y = 0; y < img.height; ++y) rows[static_cast<size_t>(y)] = &img.pixels[static_cast<size_t>(y * img.width * img.channels)];
  if (!read_pixels(png, info, ctx, rows.data()))
    JANUS_FAIL("image_folder: cannot decode PNG '{}': {}", path, ctx.message);
  return img;
}

}  // namespace janus::datasets::detail
