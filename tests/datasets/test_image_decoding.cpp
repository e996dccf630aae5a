// Image decoding (issue 13): only PNG, JPEG and BMP, sniffed by their first bytes and
// matching the extension; JPEG pixels equal Pillow's (tests/golden/gen_images.py, same
// libjpeg-turbo); top-down BMPs decode; truncated files, bad CRCs, corrupt IDAT or Huffman
// data, missing IEND and sizes past kMaxImagePixels are errors naming the file and the
// reason, checked before any large allocation.
#include <janus/core/error.h>
#include <janus/datasets/image_folder.h>

#include <catch2/catch.hpp>

#include "data_files.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

using namespace janus::datasets;
using janus::testing::Bytes;
using janus::testing::TempDir;
using janus::testing::pattern_pixels;
using janus::testing::png_bytes;
using janus::testing::png_chunk;
using janus::testing::put_be32;
using janus::testing::put_le32;
using janus::testing::write_bytes;

namespace {

Bytes golden_file(const std::string& name) {
  std::ifstream in(std::string(JANUS_GOLDEN_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string error_of(const Bytes& bytes, const std::string& name, int want = 0) {
  try {
    decode_image(bytes, name, want);
  } catch (const janus::Error& e) {
    return e.what();
  }
  return "";
}

// A PNG from its IHDR fields and chunks given as (type, data) after IHDR.
Bytes png_with(uint32_t w, uint32_t h, uint8_t depth, uint8_t colour, const std::vector<std::pair<std::string, Bytes>>& chunks) {
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put_be32(ihdr, w);
  put_be32(ihdr, h);
  ihdr.insert(ihdr.end(), {depth, colour, 0, 0, 0});
  png_chunk(out, "IHDR", ihdr);
  for (const auto& [type, data] : chunks) png_chunk(out, type.c_str(), data);
  return out;
}

// zlib stream of stored blocks (as png_bytes writes).
Bytes zlib_stored(const Bytes& raw) {
  Bytes z = {0x78, 0x01};
  const Bytes body = janus::testing::deflate_stored(raw);
  z.insert(z.end(), body.begin(), body.end());
  put_be32(z, janus::testing::adler32(raw));
  return z;
}

// Offset of chunk `type` in a PNG (its length field), or 0.
size_t chunk_at(const Bytes& png, const char* type) {
  for (size_t p = 8; p + 8 <= png.size();) {
    const uint32_t len = (uint32_t{png[p]} << 24) | (uint32_t{png[p + 1]} << 16) | (uint32_t{png[p + 2]} << 8) | png[p + 3];
    if (std::equal(type, type + 4, png.begin() + static_cast<std::ptrdiff_t>(p + 4))) return p;
    p += 12 + len;
  }
  return 0;
}

// A BMP with a 40-byte header; `rows` are the stored rows (bottom-up unless height < 0).
Bytes bmp_with(int32_t w, int32_t h, uint16_t bpp, uint32_t compression, const Bytes& extra, const Bytes& pixels,
               uint32_t colours = 0) {
  Bytes b = {'B', 'M'};
  put_le32(b, static_cast<uint32_t>(14 + 40 + extra.size() + pixels.size()));
  put_le32(b, 0);
  put_le32(b, static_cast<uint32_t>(14 + 40 + extra.size()));
  put_le32(b, 40);
  put_le32(b, static_cast<uint32_t>(w));
  put_le32(b, static_cast<uint32_t>(h));
  b.insert(b.end(), {1, 0, static_cast<uint8_t>(bpp), 0});
  put_le32(b, compression);
  put_le32(b, static_cast<uint32_t>(pixels.size()));
  put_le32(b, 2835);
  put_le32(b, 2835);
  put_le32(b, colours);
  put_le32(b, 0);
  b.insert(b.end(), extra.begin(), extra.end());
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

// 24-bit rows of a 3x2 image, top row first: pixel (y, x) = (10x + y, 100 + y, 200 - x) RGB.
Bytes bgr_rows(bool top_first) {
  Bytes out;
  for (int r = 0; r < 2; ++r) {
    const int y = top_first ? r : 1 - r;
    for (int x = 0; x < 3; ++x) out.insert(out.end(), {uint8_t(200 - x), uint8_t(100 + y), uint8_t(10 * x + y)});
    out.insert(out.end(), {0, 0, 0});  // pad 9 bytes to 12
  }
  return out;
}

}  // namespace

TEST_CASE("JPEGs decode to exactly Pillow's pixels", "[datasets][images]") {
  const nlohmann::json golden = nlohmann::json::parse(std::ifstream(std::string(JANUS_GOLDEN_DIR) + "/images.json"));
  for (const char* name : {"rgb_8x4.jpg", "grey_8x8.jpg", "rgb_13x11.png"}) {
    INFO(name);
    const auto& g = golden.at("images").at(name);
    const DecodedImage img = decode_image(golden_file(name), name, 0);
    CHECK(img.width == g.at("width").get<int64_t>());
    CHECK(img.height == g.at("height").get<int64_t>());
    CHECK(img.channels == g.at("channels").get<int64_t>());
    CHECK(img.pixels == g.at("pixels").get<std::vector<uint8_t>>());
  }
  // Grey converts to RGB by replication.
  const DecodedImage grey = decode_image(golden_file("grey_8x8.jpg"), "g.jpg", 3);
  CHECK(grey.channels == 3);
  CHECK(grey.pixels[3 * 9 + 0] == grey.pixels[3 * 9 + 2]);
}

TEST_CASE("a truncated or corrupt JPEG is an error, never grey filled-in pixels", "[datasets][images]") {
  const Bytes jpg = golden_file("rgb_8x4.jpg");
  // Cut in the entropy-coded data: libjpeg warns "premature end" and fills with grey.
  const std::string cut = error_of(Bytes(jpg.begin(), jpg.end() - 40), "cut.jpg");
  CHECK_THAT(cut, Catch::Contains("cut.jpg") && Catch::Contains("JPEG") && !Catch::Contains("png"));
  // Only the EOI marker missing.
  CHECK_THAT(error_of(Bytes(jpg.begin(), jpg.end() - 2), "noeoi.jpg"), Catch::Contains("Premature end of JPEG file"));
  CHECK_THAT(error_of(Bytes(jpg.begin(), jpg.begin() + 100), "header.jpg"), Catch::Contains("header.jpg"));
  // Noise in the scan data.
  Bytes bad = jpg;
  for (size_t i = bad.size() - 60; i < bad.size() - 10; i += 3) bad[i] = static_cast<uint8_t>(bad[i] ^ 0x5a);
  CHECK_THAT(error_of(bad, "noise.jpg"), Catch::Contains("noise.jpg") && Catch::Contains("cannot decode JPEG"));
}

TEST_CASE("PNGs with bad CRCs corrupt IDAT or no IEND are errors", "[datasets][images]") {
  const Bytes good = png_bytes(4, 3, 3, pattern_pixels(4, 3, 3, 1));
  REQUIRE_NOTHROW(decode_image(good, "good.png", 0));
  Bytes crc = good;
  const size_t idat = chunk_at(crc, "IDAT");
  const uint32_t idat_len = (uint32_t{crc[idat + 2]} << 8) | crc[idat + 3];
  crc[idat + 8 + idat_len] ^= 0x01;  // the CRC's first byte
  CHECK_THAT(error_of(crc, "crc.png"), Catch::Contains("crc.png") && Catch::Contains("CRC"));
  // A pixel byte changed and the chunk CRC recomputed: only zlib's Adler-32 can tell.
  Bytes raw;
  for (int y = 0; y < 3; ++y) {
    raw.push_back(0);
    for (int k = 0; k < 12; ++k) raw.push_back(static_cast<uint8_t>(y * 12 + k));
  }
  Bytes z = zlib_stored(raw);
  z[10] ^= 0xff;
  CHECK_THAT(error_of(png_with(4, 3, 8, 2, {{"IDAT", z}, {"IEND", {}}}), "idat.png"),
             Catch::Contains("idat.png") && Catch::Contains("cannot decode PNG"));
  // Too little image data.
  CHECK_THAT(error_of(png_with(4, 3, 8, 2, {{"IDAT", zlib_stored(Bytes(raw.begin(), raw.end() - 13))}, {"IEND", {}}}),
                      "short.png"),
             Catch::Contains("short.png"));
  // No IEND (the reason was empty).
  CHECK_THAT(error_of(png_with(4, 3, 8, 2, {{"IDAT", zlib_stored(raw)}}), "noend.png"),
             Catch::Contains("noend.png") && Catch::Contains("IEND"));
  // Truncated inside IDAT.
  CHECK_THAT(error_of(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(idat + 20)), "cut.png"),
             Catch::Contains("cut.png") && Catch::Contains("truncated") && Catch::Contains("IDAT"));
}

TEST_CASE("PNG palette grey 16-bit and tRNS decode like stb_image did", "[datasets][images]") {
  // Palette of 2 colours, 2x1, 8-bit indices 1, 0, with tRNS making colour 0 transparent.
  const Bytes plte = {10, 20, 30, 40, 50, 60};
  const Bytes pal = png_with(2, 1, 8, 3, {{"PLTE", plte}, {"tRNS", {0}}, {"IDAT", zlib_stored({0, 1, 0})}, {"IEND", {}}});
  const DecodedImage p = decode_image(pal, "pal.png", 0);
  CHECK(p.channels == 4);
  CHECK(p.pixels == std::vector<uint8_t>{40, 50, 60, 255, 10, 20, 30, 0});
  // 16-bit grey keeps the high byte.
  const DecodedImage g16 = decode_image(png_with(2, 1, 16, 0, {{"IDAT", zlib_stored({0, 0x12, 0x34, 0xab, 0xcd})}, {"IEND", {}}}),
                                        "g16.png", 0);
  CHECK(g16.channels == 1);
  CHECK(g16.pixels == std::vector<uint8_t>{0x12, 0xab});
  // 1-bit grey expands to 0 / 255.
  const DecodedImage g1 = decode_image(png_with(3, 1, 1, 0, {{"IDAT", zlib_stored({0, 0xa0})}, {"IEND", {}}}), "g1.png", 0);
  CHECK(g1.pixels == std::vector<uint8_t>{255, 0, 255});
}

TEST_CASE("image sizes past kMaxImagePixels are refused from the header", "[datasets][images]") {
  // The audit's 522 KB 16-bit 8192x8192 PNG decoded to 1 GiB; a 20000x20000 one said
  // "unknown image type". The header alone is enough now.
  const Bytes idat = zlib_stored({0});
  CHECK_THAT(error_of(png_with(8192, 8192, 16, 6, {{"IDAT", idat}}), "big16.png"),
             Catch::Contains("big16.png") && Catch::Contains("8192x8192 pixels, more than the 16777216 pixel limit"));
  CHECK_THAT(error_of(png_with(20000, 20000, 8, 2, {{"IDAT", idat}}), "huge.png"),
             Catch::Contains("20000x20000 pixels, more than the 16777216 pixel limit"));
  CHECK_THAT(error_of(bmp_with(100000, -100000, 24, 0, {}, {}), "huge.bmp"),
             Catch::Contains("huge.bmp") && Catch::Contains("100000x100000 pixels"));
  // A JPEG header claiming 60000x60000: patch the SOF0 frame size of a real file.
  Bytes jpg = golden_file("rgb_8x4.jpg");
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (jpg[i] == 0xff && (jpg[i + 1] == 0xc0 || jpg[i + 1] == 0xc2)) {
      jpg[i + 5] = 0xea, jpg[i + 6] = 0x60, jpg[i + 7] = 0xea, jpg[i + 8] = 0x60;
      break;
    }
  CHECK_THAT(error_of(jpg, "huge.jpg"), Catch::Contains("huge.jpg") && Catch::Contains("60000x60000 pixels"));
}

TEST_CASE("only PNG JPEG and BMP are decoded and the bytes must match the name", "[datasets][images]") {
  // A 52-byte Radiance HDR header named .png took 0.94 GiB; a PSD claiming 4194312x8.
  const std::string hdr = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 16384 +X 16384\n";
  CHECK_THAT(error_of(Bytes(hdr.begin(), hdr.end()), "sky.png"),
             Catch::Contains("sky.png") && Catch::Contains("is not a PNG file") && Catch::Contains("23 3f 52 41"));
  Bytes psd = {'8', 'B', 'P', 'S', 0, 1, 0, 0, 0, 0, 0, 0, 0, 3};
  put_be32(psd, 4194312);
  put_be32(psd, 8);
  CHECK_THAT(error_of(psd, "layers.jpg"), Catch::Contains("is not a JPEG file"));
  CHECK_THAT(error_of(golden_file("rgb_8x4.jpg"), "photo.png"),
             Catch::Contains("photo.png") && Catch::Contains("named as a PNG file but its first bytes are a JPEG"));
  // Formats stb_image decoded (with known memory errors) are refused by name.
  for (const char* name : {"a.gif", "a.tga", "a.ppm", "a.pgm", "a.psd", "a.hdr"})
    CHECK_THAT(error_of(Bytes{'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0}, name),
               Catch::Contains(name) && Catch::Contains("janus decodes PNG, JPEG and BMP images only"));
  TempDir dir;
  write_bytes(dir.file("cat/a.png"), png_bytes(2, 2, 3, pattern_pixels(2, 2, 3, 0)));
  write_bytes(dir.file("cat/b.tga"), {0, 0, 2, 0, 0, 0, 0, 0});
  CHECK_THROWS_WITH(load_image_folder(dir.str()), Catch::Contains("b.tga") && Catch::Contains("PNG, JPEG and BMP"));
}

TEST_CASE("BMPs decode bottom-up and top-down alike and damaged ones are refused", "[datasets][images]") {
  const DecodedImage up = decode_image(bmp_with(3, 2, 24, 0, {}, bgr_rows(false)), "up.bmp", 0);
  const DecodedImage down = decode_image(bmp_with(3, -2, 24, 0, {}, bgr_rows(true)), "down.bmp", 0);
  REQUIRE(up.channels == 3);
  CHECK(up.height == 2);
  CHECK(down.height == 2);
  CHECK(up.pixels == down.pixels);
  // (y = 1, x = 2): R = 21, G = 101, B = 198.
  CHECK(up.pixels[(1 * 3 + 2) * 3 + 0] == 21);
  CHECK(up.pixels[(1 * 3 + 2) * 3 + 1] == 101);
  CHECK(up.pixels[(1 * 3 + 2) * 3 + 2] == 198);
  // 8-bit palette of 2 colours; an index past the palette is an error.
  Bytes palette = {30, 20, 10, 0, 60, 50, 40, 0};
  const DecodedImage pal = decode_image(bmp_with(2, 1, 8, 0, palette, {1, 0, 0, 0}, 2), "pal.bmp", 0);
  CHECK(pal.pixels == std::vector<uint8_t>{40, 50, 60, 10, 20, 30});
  CHECK_THAT(error_of(bmp_with(2, 1, 8, 0, palette, {1, 7, 0, 0}, 2), "idx.bmp"),
             Catch::Contains("idx.bmp") && Catch::Contains("palette entry 7 of 2"));
  // 16-bit 5-6-5 bitfields: pure red, pure green.
  Bytes masks;
  put_le32(masks, 0xf800);
  put_le32(masks, 0x07e0);
  put_le32(masks, 0x001f);
  const DecodedImage rgb565 = decode_image(bmp_with(2, 1, 16, 3, masks, {0x00, 0xf8, 0xe0, 0x07}), "565.bmp", 0);
  CHECK(rgb565.pixels == std::vector<uint8_t>{255, 0, 0, 0, 255, 0});
  // 32-bit BI_RGB: alpha kept, or opaque when every alpha byte is 0.
  const DecodedImage a32 = decode_image(bmp_with(1, 1, 32, 0, {}, {1, 2, 3, 128}), "a.bmp", 0);
  CHECK(a32.pixels == std::vector<uint8_t>{3, 2, 1, 128});
  const DecodedImage x32 = decode_image(bmp_with(1, 1, 32, 0, {}, {1, 2, 3, 0}), "x.bmp", 3);
  CHECK(x32.pixels == std::vector<uint8_t>{3, 2, 1});
  // Truncated pixel data (stb_image filled it in).
  const Bytes full = bmp_with(3, 2, 24, 0, {}, bgr_rows(false));
  CHECK_THAT(error_of(Bytes(full.begin(), full.end() - 5), "cut.bmp"),
             Catch::Contains("cut.bmp") && Catch::Contains("truncated"));
  CHECK_THAT(error_of(Bytes(full.begin(), full.begin() + 30), "head.bmp"), Catch::Contains("truncated"));
  CHECK_THAT(error_of(bmp_with(3, 2, 8, 1, {}, {}), "rle.bmp"), Catch::Contains("RLE"));
  CHECK_THAT(error_of(bmp_with(0, 2, 24, 0, {}, {}), "zero.bmp"), Catch::Contains("invalid size 0x2"));
}
