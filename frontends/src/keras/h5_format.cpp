// janus' reading of HDF5's superblock, object headers and the dataset messages (HDF5 File
// Format Specification 3.0). Section names are the specification's; every read goes through
// a bounded Bytes cursor, every address through Format::at.
#include "h5_format.h"

#include <janus/core/error.h>

#include <set>

namespace janus::keras::h5 {

namespace {

const char kSignature[] = "\x89HDF\r\n\x1a\n";

// The object named in messages: a path from the file, clipped and made printable.
std::string quoted(const std::string& object) { return fmt::format("\"{}\"", excerpt(object.empty() ? "/" : object)); }

// Message types janus understands, if only to skip them (IV.A.2): the fill values, group
// info, attributes, comment, modification times, B-tree 'K' values, attribute info and
// reference count say nothing about where a dataset's values are or which links a group has.
bool understood(uint16_t type) {
  switch (type) {
    case 0x0000: case 0x0001: case 0x0002: case 0x0003: case 0x0004: case 0x0005: case 0x0006: case 0x0007:
    case 0x0008: case 0x000A: case 0x000B: case 0x000C: case 0x000D: case 0x000E: case 0x0010: case 0x0011:
    case 0x0012: case 0x0013: case 0x0015: case 0x0016:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- superblock (II.A) ---------------------------------------------------------------------

Format::Format(const Source& src) : src_(src) {
  const uint64_t file = src.image.size();
  // II.A: the signature is at 0 or, after a user block, at 512, 1024, 2048, ...
  uint64_t at = 0;
  while (!(at + 8 <= file && src.image.compare(at, 8, kSignature, 8) == 0)) {
    at = at == 0 ? 512 : at * 2;
    JANUS_CHECK(at + 8 <= file, "{}: \"{}\" is not an HDF5 file ({} bytes, no HDF5 signature at its start); Keras "
                "3's .weights.h5 files are HDF5", src.who, src.path, file);
  }
  Bytes b(src, at, file - at, "the superblock");
  b.skip(8);
  const unsigned version = b.u8();
  uint64_t eof = 0;
  if (version == 0 || version == 1) {
    b.skip(3);  // versions of the free-space storage, root symbol table entry, reserved
    b.skip(1);  // version of the shared header message format
    offset_size_ = b.u8();
    length_size_ = b.u8();
    b.skip(1 + 2 + 2 + 4);  // reserved, group leaf/internal node K, file consistency flags
    if (version == 1) b.skip(4);  // indexed storage internal node K, reserved
  } else if (version == 2 || version == 3) {
    offset_size_ = b.u8();
    length_size_ = b.u8();
    b.skip(1);  // file consistency flags
  } else {
    b.fail(fmt::format("superblock version {}; janus reads versions 0 to 3 (HDF5 1.8 to 1.14 write them)", version));
  }
  if (!((offset_size_ == 4 || offset_size_ == 8) && (length_size_ == 4 || length_size_ == 8)))
    b.fail(fmt::format("{}-byte offsets and {}-byte lengths; janus reads 4 or 8 of each", offset_size_, length_size_));
  undefined_ = offset_size_ == 8 ? ~uint64_t{0} : 0xffffffffu;
  // libhdf5 takes the superblock's own position as the base address whatever the field says
  // (H5F__super_read), so janus does too: a file must resolve to the same objects for h5py,
  // Keras and janus.
  const uint64_t stored_base = b.uint(offset_size_);
  base_ = at;
  if (version <= 1) {
    b.skip(offset_size_);  // free-space info address
    eof = b.uint(offset_size_);
    b.skip(offset_size_);  // driver information block address
    // The root group's symbol table entry (III.C): its object header address is what counts;
    // the cached B-tree and heap addresses of cache type 1 repeat its symbol table message.
    b.skip(offset_size_);  // link name offset
    root_ = b.uint(offset_size_);
    const uint32_t cache = b.u32();
    if (cache > 1) b.fail(fmt::format("the root group's symbol table entry has cache type {}, expected 0 or 1", cache));
    b.skip(4 + 16);
  } else {
    b.skip(offset_size_);  // superblock extension address (its messages only matter to writers)
    eof = b.uint(offset_size_);
    root_ = b.uint(offset_size_);
    const uint64_t covered = b.offset() - at;
    const uint32_t stored = b.u32();
    const uint32_t computed = lookup3(src.image.substr(at, covered));
    if (stored != computed)
      b.fail(fmt::format("superblock checksum 0x{:08x} does not match its bytes (0x{:08x}): damaged file", stored,
                         computed));
  }
  // libhdf5 moves the end-of-file address with the base address (a superblock found earlier or
  // later than its field says), and so does janus.
  eof -= stored_base - at;
  // The end-of-file address counts from the file's start in what libhdf5 writes (a 512-byte
  // user block and base address 512 give the file's whole size), so it is compared as such.
  JANUS_CHECK(eof <= file, "{}: \"{}\" is not a readable HDF5 file: its superblock says it ends at byte {} but it "
              "has {} bytes (truncated or damaged?)", src.who, src.path, eof, file);
  JANUS_CHECK(base_ <= file, "{}: \"{}\" is not a readable HDF5 file: its base address {} is past its end ({} "
              "bytes; damaged?)", src.who, src.path, base_, file);
  JANUS_CHECK(!undefined(root_), "{}: \"{}\" is not a readable HDF5 file: its superblock names no root group",
              src.who, src.path);
}

Bytes Format::at(uint64_t address, uint64_t size, std::string what) const {
  const uint64_t file = src_.image.size();
  JANUS_CHECK(!undefined(address) && address <= file - base_, "{}: \"{}\" is not a readable HDF5 file: {} is at "
              "address {}, past the file's end ({} bytes; truncated or damaged?)", src_.who, src_.path, what,
              undefined(address) ? std::string("'undefined'") : std::to_string(address), file);
  return Bytes(src_, base_ + address, size, std::move(what));
}

Bytes Format::from(uint64_t address, std::string what) const {
  const uint64_t file = src_.image.size();
  const uint64_t left = !undefined(address) && address <= file - base_ ? file - base_ - address : 0;
  return at(address, left, std::move(what));
}

// ---- object headers (IV.A) -----------------------------------------------------------------

namespace {

struct Block {
  uint64_t address, size;
};

// The messages janus acts on; every other kind is dropped as it is read, so that a header
// of a million tiny unknown messages costs nothing to hold.
bool interpreted(uint16_t type) {
  switch (type) {
    case kDataspace: case kLinkInfo: case kDatatype: case kLink: case kExternalFiles: case kLayout: case kFilters:
    case kSymbolTable:
      return true;
    default:
      return false;
  }
}

// A message whose prefix has been read: a continuation names one more block of messages to
// read; a message janus acts on is kept with where its data lies; NIL and the messages janus
// may skip are dropped, and an unknown one whose flags bit 7 says "fail to open this object
// if the message is not understood" (IV.A.1) is refused.
void take_message(const Format& f, Message m, Bytes data, std::vector<Message>& out, std::vector<Block>& more) {
  m.offset = data.offset();
  m.size = data.left();
  if (m.type == kContinuation) {
    more.push_back({f.address(data), f.length(data)});
  } else if (interpreted(m.type)) {
    out.push_back(m);
  } else if (!understood(m.type) && (m.flags & 0x80)) {
    data.fail(fmt::format("a header message of type 0x{:04x} that must be understood to read the object; janus "
                          "does not know that message (not in Keras' files)", m.type));
  }
}

// The messages of one version 1 block (IV.A.1.a): type (2), size (2), flags (1), reserved (3),
// data; messages are 8-byte aligned, so fewer than 8 bytes left is the block's end.
void v1_messages(const Format& f, Bytes b, std::vector<Message>& out, std::vector<Block>& more) {
  while (b.left() >= 8) {
    Message m;
    m.type = b.u16();
    const uint16_t size = b.u16();
    m.flags = b.u8();
    b.skip(3);
    take_message(f, m, b.sub(size, b.what()), out, more);
  }
}

// The messages of one version 2 chunk (IV.A.1.b): type (1), size (2), flags (1), creation
// order (2, when the header tracks attribute creation order), data; fewer bytes left than a
// message's prefix is a gap.
void v2_messages(const Format& f, Bytes b, bool creation_order, std::vector<Message>& out, std::vector<Block>& more) {
  const uint64_t prefix = creation_order ? 6 : 4;
  while (b.left() >= prefix) {
    Message m;
    m.type = b.u8();
    const uint16_t size = b.u16();
    m.flags = b.u8();
    if (creation_order) b.skip(2);
    take_message(f, m, b.sub(size, b.what()), out, more);
  }
}

// A version 2 chunk ends with the lookup3 checksum of everything before it in the chunk.
void check_sum(const Source& src, uint64_t start, Bytes& b) {
  const uint64_t covered = b.offset() - start;
  const uint32_t stored = b.u32();
  const uint32_t computed = lookup3(src.image.substr(start, covered));
  if (stored != computed)
    b.fail(fmt::format("checksum 0x{:08x} does not match its bytes (0x{:08x}): damaged file", stored, computed));
}

}  // namespace

std::vector<Message> object_header(const Format& f, uint64_t address, const std::string& object) {
  const Source& src = f.source();
  const std::string what = "the object header of " + quoted(object);
  Bytes head = f.from(address, what);
  std::vector<Message> out;
  std::vector<Block> more;
  bool v2 = false, creation_order = false;
  uint64_t parsed = 0;  // bytes of header blocks read, bounded by the file's size
  if (head.peek(1)[0] == 1) {
    // Version 1 prefix (IV.A.1.a): version, reserved, message count (2), reference count (4),
    // header size (4), then padding to 16 bytes; the first block's messages follow.
    head.skip(4 + 4);
    const uint32_t size = head.u32();
    head.skip(4);
    v1_messages(f, head.sub(size, what), out, more);
    parsed = 16 + uint64_t{size};
  } else {
    // Version 2 (IV.A.1.b): "OHDR", version 2, flags, optional times and attribute phase
    // change values, the size of chunk 0 (1, 2, 4 or 8 bytes by flags bits 0-1), messages,
    // checksum.
    const uint64_t start = head.offset();
    head.expect("OHDR");
    const unsigned version = head.u8();
    if (version != 2) head.fail(fmt::format("object header version {}; janus reads versions 1 and 2", version));
    const unsigned flags = head.u8();
    if (flags & 0xc0) head.fail(fmt::format("object header flags 0x{:02x} set reserved bits", flags));
    creation_order = flags & 0x04;
    if (flags & 0x20) head.skip(16);  // access, modification, change and birth times
    if (flags & 0x10) head.skip(4);   // maximum compact / minimum dense attribute counts
    const uint64_t size = head.uint(1u << (flags & 3));
    v2_messages(f, head.sub(size, what), creation_order, out, more);
    check_sum(src, start, head);
    parsed = head.offset() - start;
    v2 = true;
  }
  // Continuation blocks (IV.A.2.q), each read once: a block listed twice, or more header
  // bytes than the file has, is a loop in a damaged file.
  std::set<uint64_t> seen;
  for (size_t i = 0; i < more.size(); ++i) {
    const Block blk = more[i];
    const std::string where = fmt::format("a continuation block of the object header of {}", quoted(object));
    JANUS_CHECK(seen.insert(blk.address).second, "{}: \"{}\": {} at address {} is listed twice (a loop in a damaged "
                "file)", src.who, src.path, where, blk.address);
    parsed += blk.size;
    JANUS_CHECK(blk.size <= src.image.size() && parsed <= src.image.size(), "{}: \"{}\": {} claims {} bytes, more "
                "than the file has (damaged file)", src.who, src.path, where, blk.size);
    Bytes b = f.at(blk.address, blk.size, where);
    if (!v2) {
      v1_messages(f, b, out, more);
    } else {
      const uint64_t start = b.offset();
      b.expect("OCHK");
      if (b.left() < 4) b.fail("the block is too short for its checksum");
      v2_messages(f, b.sub(b.left() - 4, where), creation_order, out, more);
      check_sum(src, start, b);
    }
  }
  return out;
}

Bytes message_bytes(const Format& f, const Message& m, const std::string& what) {
  const Source& src = f.source();
  // IV.A.1 message flags bit 1: the message is shared (its body is a reference to a message
  // kept in another object header or in the shared message heap, IV.A.2.t).
  JANUS_CHECK(!(m.flags & 0x02), "{}: \"{}\": {} is a shared message (flags 0x{:02x}: a committed datatype or a "
              "message stored elsewhere in the file); shared/committed messages are not in Keras' files, and janus "
              "does not follow them", src.who, src.path, what, m.flags);
  return Bytes(src, m.offset, m.size, what);
}

// ---- dataspace (IV.A.2.b) ------------------------------------------------------------------

Shape read_dataspace(const Format& f, const Message& m, const std::string& object) {
  Bytes b = message_bytes(f, m, "the dataspace message of " + quoted(object));
  const unsigned version = b.u8();
  const unsigned rank = b.u8();
  b.skip(1);  // flags: maximum dimensions (and, in version 1, a permutation) follow the sizes
  if (version == 1) {
    b.skip(1 + 4);  // reserved; rank 0 is a scalar
  } else if (version == 2) {
    const unsigned type = b.u8();
    if (type == 2) b.fail("the dataset holds no values (a null dataspace); Keras writes arrays and scalars");
    if (type > 2) b.fail(fmt::format("dataspace type {}; expected 0 (scalar) or 1 (simple)", type));
    if (type == 0 && rank != 0) b.fail(fmt::format("a scalar dataspace of rank {}", rank));
  } else {
    b.fail(fmt::format("dataspace message version {}; janus reads versions 1 and 2", version));
  }
  if (rank > 8) b.fail(fmt::format("the dataset has rank {}; janus reads ranks 0 to 8", rank));
  Shape s;
  for (unsigned i = 0; i < rank; ++i) {
    const uint64_t n = f.length(b);
    if (n >= (uint64_t{1} << 32)) b.fail(fmt::format("the dataset claims an axis of {}", n));
    s.push_back(static_cast<int64_t>(n));
  }
  return s;
}

// ---- datatype (IV.A.2.d) -------------------------------------------------------------------

std::string ElementType::str() const {
  const char* k = kind == floating ? "float" : kind == signed_int ? "int" : "uint";
  return fmt::format("{}{} ({}-endian)", k, 8 * size, big_endian ? "big" : "little");
}

ElementType read_datatype(const Format& f, const Message& m, const std::string& object) {
  Bytes b = message_bytes(f, m, "the datatype message of " + quoted(object));
  const unsigned class_version = b.u8();
  const unsigned cls = class_version & 0x0f, version = class_version >> 4;
  uint32_t bits = b.u8();  // class bit fields: 24 bits, little-endian
  bits |= uint32_t{b.u8()} << 8;
  bits |= uint32_t{b.u8()} << 16;
  const uint32_t size = b.u32();
  static const char* const names[] = {"fixed-point",  "floating-point", "time",          "string",
                                      "bit field",    "opaque",         "compound",      "reference",
                                      "enumerated",   "variable-length", "array",        "complex"};
  if (cls > 1)
    b.fail(fmt::format("the dataset holds {} values (datatype class {}), expected numbers (float or integer)",
                       cls < 12 ? names[cls] : "unknown", cls));
  if (version < 1 || version > 4) b.fail(fmt::format("datatype message version {}; janus reads 1 to 4", version));
  ElementType t;
  t.size = size;
  if (cls == 0) {
    // Fixed-point: bit 0 byte order, bit 3 signed; bit offset (2), precision (2).
    t.kind = bits & 0x08 ? ElementType::signed_int : ElementType::unsigned_int;
    t.big_endian = bits & 0x01;
    const unsigned offset = b.u16(), precision = b.u16();
    if (!(size == 1 || size == 2 || size == 4 || size == 8) || offset != 0 || precision != 8 * size)
      b.fail(fmt::format("a {}-byte integer of {} bits at bit {}; janus reads whole 1, 2, 4 or 8-byte integers", size,
                         precision, offset));
    return t;
  }
  // Floating-point: bits 0 and 6 byte order (0/0 little, 1/0 big, 1/1 VAX), 4-5 mantissa
  // normalization, 8-15 sign bit; bit offset (2), precision (2), exponent location (1) and
  // size (1), mantissa location (1) and size (1), exponent bias (4).
  const unsigned order = (bits & 0x01) | ((bits >> 5) & 0x02);
  if (order > 1) b.fail("a floating-point type in VAX or reserved byte order; janus reads little and big endian");
  t.big_endian = order == 1;
  const unsigned offset = b.u16(), precision = b.u16();
  const unsigned exp_at = b.u8(), exp_bits = b.u8(), mant_at = b.u8(), mant_bits = b.u8();
  const uint32_t bias = b.u32();
  const unsigned sign_at = (bits >> 8) & 0xff, norm = (bits >> 4) & 0x03;
  const bool single = size == 4 && precision == 32 && exp_at == 23 && exp_bits == 8 && mant_bits == 23 && bias == 127 &&
                      sign_at == 31;
  const bool dbl = size == 8 && precision == 64 && exp_at == 52 && exp_bits == 11 && mant_bits == 52 && bias == 1023 &&
                   sign_at == 63;
  if (!(single || dbl) || offset != 0 || mant_at != 0 || norm != 2)
    b.fail(fmt::format("a {}-byte floating-point type that is not IEEE single or double precision (precision {}, "
                       "exponent {} bits at {}, mantissa {} bits at {}, bias {}); janus reads float32 and float64",
                       size, precision, exp_bits, exp_at, mant_bits, mant_at, bias));
  return t;
}

// ---- data layout (IV.A.2.i) ----------------------------------------------------------------

Storage read_layout(const Format& f, const Message& m, const std::string& object) {
  Bytes b = message_bytes(f, m, "the data layout message of " + quoted(object));
  const unsigned version = b.u8();
  if (version != 3 && version != 4)
    b.fail(fmt::format("data layout message version {}; janus reads versions 3 and 4 (HDF5 1.6 and later)", version));
  const unsigned cls = b.u8();
  Storage s;
  if (cls == 0) {  // compact: size (2), the raw bytes
    const uint16_t size = b.u16();
    s.defined = true;
    s.offset = b.offset();
    s.size = size;
    b.skip(size);
  } else if (cls == 1) {  // contiguous: address, size
    const uint64_t address = f.address(b);
    s.size = f.length(b);
    if (!f.undefined(address)) {
      s.defined = true;
      s.offset = f.at(address, s.size, "the values of " + quoted(object)).offset();
    }
  } else if (cls == 2) {
    JANUS_FAIL("{}: \"{}\": the dataset {} is stored in chunks (chunked or compressed); janus reads the contiguous or "
               "compact datasets Keras writes", f.source().who, f.source().path, quoted(object));
  } else if (cls == 3) {
    JANUS_FAIL("{}: \"{}\": the dataset {} is virtual (its values come from other datasets or files); janus reads the "
               "contiguous or compact datasets Keras writes", f.source().who, f.source().path, quoted(object));
  } else {
    b.fail(fmt::format("layout class {}; expected 0 (compact) or 1 (contiguous)", cls));
  }
  return s;
}

}  // namespace janus::keras::h5
