// Bounded reading of an HDF5 file image (internal to janus' own HDF5 reader): a cursor over
// one structure's bytes that throws janus::Error, naming the file and the structure, on any
// read past its end -- so no parser above it can read outside the file -- and the Jenkins
// lookup3 checksum that guards version 2 structures (HDF5 File Format Specification 3.0,
// "Checksum" / appendix on lookup3).
//
//   Bytes b(src, offset, 16, "the object header of \"layers\"");
//   uint8_t version = b.u8();  uint64_t size = b.uint(8);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace janus::keras::h5 {

// The file being read: its bytes and the names its error messages use.
struct Source {
  std::string_view image;
  std::string who;   // "load_weights"
  std::string path;  // the file's name
};

class Bytes {
 public:
  // The `size` bytes at `offset` of the image; past the file's end is an error (truncated file).
  Bytes(const Source& src, uint64_t offset, uint64_t size, std::string what);

  uint64_t offset() const { return pos_; }  // of the next byte, in the image
  uint64_t left() const { return end_ - pos_; }
  const std::string& what() const { return what_; }

  uint8_t u8() { return static_cast<uint8_t>(uint(1)); }
  uint16_t u16() { return static_cast<uint16_t>(uint(2)); }
  uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  // A little-endian unsigned integer of `width` bytes (1 to 8).
  uint64_t uint(unsigned width);
  void skip(uint64_t n);
  std::string_view take(uint64_t n);
  // The next `n` bytes without moving on.
  std::string_view peek(uint64_t n) const;
  // The next `n` bytes as a cursor of their own (describing `what`), and skipped here.
  Bytes sub(uint64_t n, std::string what);
  // Requires the next bytes to be `magic` (a structure's signature such as "TREE").
  void expect(std::string_view magic);

  // A janus::Error "<who>: "<file>": <what> at byte <offset>: <why>".
  [[noreturn]] void fail(const std::string& why) const;

 private:
  void need(uint64_t n) const;
  const Source* src_;
  uint64_t pos_, end_;
  std::string what_;
};

// HDF5's checksum of metadata: Bob Jenkins' lookup3 hashlittle() with initial value 0.
uint32_t lookup3(std::string_view bytes);

}  // namespace janus::keras::h5
