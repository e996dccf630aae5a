// The HDF5 structures janus reads itself (internal): the superblock, object headers and the
// few header messages a Keras weights file needs (HDF5 File Format Specification 3.0, parts
// II.A, IV.A and IV.A.2). Only the subset that h5py's defaults (libver 'earliest' or
// 'latest') and janus' own writer produce is accepted; anything else is a janus::Error that
// says what was found, so a damaged or hostile file can never steer the parser outside it.
#pragma once

#include "h5_bytes.h"

#include <janus/core/shape.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace janus::keras::h5 {

// The file's fixed parameters (superblock, II.A) and its address arithmetic.
class Format {
 public:
  // Finds the signature (at 0, or after a user block at 512, 1024, ...) and reads the superblock.
  explicit Format(const Source& src);
  const Source& source() const { return src_; }
  uint64_t root() const { return root_; }  // the root group's object header address
  unsigned offset_size() const { return offset_size_; }
  unsigned length_size() const { return length_size_; }

  uint64_t address(Bytes& b) const { return b.uint(offset_size_); }
  uint64_t length(Bytes& b) const { return b.uint(length_size_); }
  bool undefined(uint64_t address) const { return address == undefined_; }
  // The `size` bytes at `address` (relative to the base address); outside the file is an error.
  Bytes at(uint64_t address, uint64_t size, std::string what) const;
  // From `address` to the file's end.
  Bytes from(uint64_t address, std::string what) const;

 private:
  const Source& src_;
  uint64_t base_ = 0, root_ = 0, undefined_ = 0;
  unsigned offset_size_ = 8, length_size_ = 8;
};

// Header message types janus interprets (IV.A.2).
enum MessageType : uint16_t {
  kNil = 0x0000,
  kDataspace = 0x0001,
  kLinkInfo = 0x0002,
  kDatatype = 0x0003,
  kLink = 0x0006,
  kExternalFiles = 0x0007,
  kLayout = 0x0008,
  kFilters = 0x000B,
  kContinuation = 0x0010,
  kSymbolTable = 0x0011,
};

// One header message: its type, flags and where its bytes are in the image.
struct Message {
  uint16_t type = 0;
  uint8_t flags = 0;
  uint64_t offset = 0, size = 0;
};

// An object's header messages in file order, continuation blocks followed (each at most once),
// only the kinds janus acts on (MessageType) kept; an unknown one whose flags say "fail if
// unknown" is refused. `object` names the object in messages.
std::vector<Message> object_header(const Format& f, uint64_t address, const std::string& object);

// A message's bytes as a cursor; a message janus must interpret may not be shared (a
// reference to a message stored elsewhere: never in Keras' files, and libhdf5's decoding of
// such references is where a fuzzed file crashed it).
Bytes message_bytes(const Format& f, const Message& m, const std::string& what);

// Dataspace (IV.A.2.b): the shape; scalar is rank 0.
Shape read_dataspace(const Format& f, const Message& m, const std::string& object);

// Datatype (IV.A.2.d): the numeric element types janus converts to float32.
struct ElementType {
  enum Kind { floating, signed_int, unsigned_int } kind = floating;
  unsigned size = 4;  // bytes
  bool big_endian = false;
  std::string str() const;  // "float32 (little-endian)"
};
ElementType read_datatype(const Format& f, const Message& m, const std::string& object);

// Data layout (IV.A.2.i), versions 3 and 4: compact or contiguous storage.
struct Storage {
  bool defined = false;  // false: no bytes were ever written (contiguous, undefined address)
  uint64_t offset = 0;   // in the image
  uint64_t size = 0;     // bytes
};
Storage read_layout(const Format& f, const Message& m, const std::string& object);

}  // namespace janus::keras::h5
