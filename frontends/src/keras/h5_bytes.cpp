// The bounded cursor of janus' HDF5 reader and HDF5's metadata checksum (Jenkins lookup3).
#include "h5_bytes.h"

#include <janus/core/error.h>

#include <cstring>

namespace janus::keras::h5 {

Bytes::Bytes(const Source& src, uint64_t offset, uint64_t size, std::string what)
    : src_(&src), pos_(offset), end_(offset), what_(std::move(what)) {
  const uint64_t file = src.image.size();
  JANUS_CHECK(offset <= file && size <= file - offset,
              "{}: \"{}\" is not a readable HDF5 file: {} ({} bytes at byte {}) lies past the file's end at byte {} "
              "(truncated or damaged?)", src.who, src.path, what_, size, offset, file);
  end_ = offset + size;
}

void Bytes::need(uint64_t n) const {
  JANUS_CHECK(n <= end_ - pos_, "{}: \"{}\" is not a readable HDF5 file: {} needs {} more bytes at byte {} but has "
              "{} left (truncated or damaged?)", src_->who, src_->path, what_, n, pos_, end_ - pos_);
}

uint64_t Bytes::uint(unsigned width) {
  need(width);
  uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i)
    v |= uint64_t{static_cast<uint8_t>(src_->image[pos_ + i])} << (8 * i);
  pos_ += width;
  return v;
}

void Bytes::skip(uint64_t n) {
  need(n);
  pos_ += n;
}

std::string_view Bytes::take(uint64_t n) {
  need(n);
  std::string_view out = src_->image.substr(pos_, n);
  pos_ += n;
  return out;
}

std::string_view Bytes::peek(uint64_t n) const {
  need(n);
  return src_->image.substr(pos_, n);
}

Bytes Bytes::sub(uint64_t n, std::string what) {
  need(n);
  Bytes out(*src_, pos_, n, std::move(what));
  pos_ += n;
  return out;
}

void Bytes::expect(std::string_view magic) {
  need(magic.size());
  if (src_->image.compare(pos_, magic.size(), magic) != 0) {
    std::string found;  // as hex: the bytes of a damaged file are rarely text
    for (char c : src_->image.substr(pos_, magic.size())) found += fmt::format(" {:02x}", static_cast<uint8_t>(c));
    fail(fmt::format("expected the signature \"{}\", found bytes{}", magic, found));
  }
  pos_ += magic.size();
}

void Bytes::fail(const std::string& why) const {
  JANUS_FAIL("{}: \"{}\": {} at byte {}: {}", src_->who, src_->path, what_, pos_, why);
}

// lookup3's hashlittle (Bob Jenkins, 2006, public domain), read byte by byte as HDF5's
// H5_checksum_lookup3 does, so the result does not depend on the host's byte order or alignment.
uint32_t lookup3(std::string_view bytes) {
  auto rot = [](uint32_t x, int k) { return (x << k) | (x >> (32 - k)); };
  const auto* k = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t length = bytes.size();
  uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + static_cast<uint32_t>(length);  // + initval 0
  auto word = [&](size_t i, size_t n) {  // up to four bytes from k[i], little-endian
    uint32_t v = 0;
    for (size_t j = 0; j < n && j < 4; ++j) v |= uint32_t{k[i + j]} << (8 * j);
    return v;
  };
  while (length > 12) {
    a += word(0, 4);
    b += word(4, 4);
    c += word(8, 4);
    // mix(a, b, c)
    a -= c; a ^= rot(c, 4);  c += b;
    b -= a; b ^= rot(a, 6);  a += c;
    c -= b; c ^= rot(b, 8);  b += a;
    a -= c; a ^= rot(c, 16); c += b;
    b -= a; b ^= rot(a, 19); a += c;
    c -= b; c ^= rot(b, 4);  b += a;
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;  // no final mix for an empty tail
  a += word(0, length);
  if (length > 4) b += word(4, length - 4);
  if (length > 8) c += word(8, length - 8);
  // final(a, b, c)
  c ^= b; c -= rot(b, 14);
  a ^= c; a -= rot(c, 11);
  b ^= a; b -= rot(a, 25);
  c ^= b; c -= rot(b, 16);
  a ^= c; a -= rot(c, 4);
  b ^= a; b -= rot(a, 14);
  c ^= b; c -= rot(b, 24);
  return c;
}

}  // namespace janus::keras::h5
