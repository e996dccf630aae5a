// Test helpers for the datasets tests (TempDir comes from support/temp_dir.h): writers of
// small CIFAR records, IDX arrays, gzip files and PNG images (stored, uncompressed deflate
// blocks with real CRC-32/Adler-32), so parsers are tested on files made here.
#pragma once

#include "temp_dir.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace janus::testing {

using Bytes = std::vector<uint8_t>;

inline void write_bytes(const std::string& path, const Bytes& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
inline void put_le32(Bytes& b, uint32_t v) {
  for (int s = 0; s <= 24; s += 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// n CIFAR records; record i has label labels[i] and pixel k = (i * 7 + k) % 256.
inline Bytes cifar_records(const std::vector<int>& labels) {
  Bytes b;
  for (size_t i = 0; i < labels.size(); ++i) {
    b.push_back(static_cast<uint8_t>(labels[i]));
    for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>((i * 7 + k) % 256));
  }
  return b;
}

// IDX of unsigned bytes with the given dims; data value k = k % 251 unless given.
inline Bytes idx_bytes(const std::vector<uint32_t>& dims, const Bytes* data = nullptr) {
  Bytes b;
  put_be32(b, 0x00000800u | static_cast<uint32_t>(dims.size()));
  uint64_t n = 1;
  for (uint32_t d : dims) {
    put_be32(b, d);
    n *= d;
  }
  if (data) {
    b.insert(b.end(), data->begin(), data->end());
  } else {
    for (uint64_t k = 0; k < n; ++k) b.push_back(static_cast<uint8_t>(k % 251));
  }
  return b;
}

inline uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline uint32_t adler32(const Bytes& d) {
  uint32_t a = 1, b = 0;
  for (uint8_t v : d) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

// Raw deflate made of stored (uncompressed) blocks.
inline Bytes deflate_stored(const Bytes& d) {
  Bytes out;
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(65535, d.size() - pos);
    const bool last = pos + len == d.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<uint8_t>(len));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(~len));
    out.push_back(static_cast<uint8_t>((~len) >> 8));
    out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(pos),
               d.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < d.size());
  return out;
}

inline Bytes gzip_bytes(const Bytes& d) {
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  const Bytes body = deflate_stored(d);
  out.insert(out.end(), body.begin(), body.end());
  put_le32(out, crc32(d.data(), d.size()));
  put_le32(out, static_cast<uint32_t>(d.size()));
  return out;
}

inline void png_chunk(Bytes& out, const char* type, const Bytes& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  Bytes td(type, type + 4);
  td.insert(td.end(), data.begin(), data.end());
  out.insert(out.end(), td.begin(), td.end());
  put_be32(out, crc32(td.data(), td.size()));
}

// 8-bit PNG, channels 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA); pixels (H, W, C).
inline Bytes png_bytes(int w, int h, int channels, const Bytes& pixels) {
  static const uint8_t colour_type[5] = {0, 0, 4, 2, 6};
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put_be32(ihdr, static_cast<uint32_t>(w));
  put_be32(ihdr, static_cast<uint32_t>(h));
  ihdr.insert(ihdr.end(), {8, colour_type[channels], 0, 0, 0});
  png_chunk(out, "IHDR", ihdr);
  Bytes raw;  // filter byte 0 + row
  for (int y = 0; y < h; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), pixels.begin() + y * w * channels, pixels.begin() + (y + 1) * w * channels);
  }
  Bytes z = {0x78, 0x01};
  const Bytes body = deflate_stored(raw);
  z.insert(z.end(), body.begin(), body.end());
  put_be32(z, adler32(raw));
  png_chunk(out, "IDAT", z);
  png_chunk(out, "IEND", {});
  return out;
}

// A w x h image with `channels` channels whose value at (y, x, c) is (seed + 3y + 5x + 60c) % 256.
inline Bytes pattern_pixels(int w, int h, int channels, int seed) {
  Bytes p;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) p.push_back(static_cast<uint8_t>((seed + 3 * y + 5 * x + 60 * c) % 256));
  return p;
}

}  // namespace janus::testing
