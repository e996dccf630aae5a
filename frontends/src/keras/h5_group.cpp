// Listing an HDF5 group's links: old-style symbol tables (v1 B-tree + symbol table nodes +
// local heap) and new-style compact link messages (HDF5 File Format Specification 3.0).
#include "h5_group.h"

#include <janus/core/error.h>

#include <algorithm>
#include <set>

namespace janus::keras::h5 {

namespace {

std::string quoted(const std::string& object) { return fmt::format("\"{}\"", excerpt(object.empty() ? "/" : object)); }

// III.D local heap: "HEAP", version 0, reserved (3), data segment size (L), offset of the free
// list (L), data segment address (O). Returns the data segment, where the names are.
Bytes local_heap(const Format& f, uint64_t address, const std::string& object) {
  Bytes b = f.from(address, "the local heap of the group " + quoted(object));
  b.expect("HEAP");
  const unsigned version = b.u8();
  if (version != 0) b.fail(fmt::format("local heap version {}; expected 0", version));
  b.skip(3);
  const uint64_t size = f.length(b);
  f.length(b);  // free list
  return f.at(f.address(b), size, "the names of the group " + quoted(object));
}

// Link names in Keras' files are a few bytes ("layers", "conv2d_1", "0").
constexpr size_t kMaxName = 1 << 16;

// The NUL-terminated name at `offset` of a local heap's data segment.
std::string heap_name(Bytes heap, uint64_t offset) {
  if (offset >= heap.left()) heap.fail(fmt::format("a name at offset {} past the heap's {} bytes", offset, heap.left()));
  heap.skip(offset);
  const std::string_view rest = heap.peek(heap.left());
  // Names are searched for their NUL within kMaxName bytes only; the caller charges each name
  // to the group's byte budget, so many entries sharing one long name cannot multiply it.
  const size_t end = rest.substr(0, std::min<size_t>(rest.size(), kMaxName + 1)).find('\0');
  if (end == std::string_view::npos)
    heap.fail(rest.size() > kMaxName ? fmt::format("a name longer than {} bytes", kMaxName)
                                     : std::string("a name without its terminating NUL"));
  return std::string(rest.substr(0, end));
}

// Reads an old-style group (IV.A.2.r symbol table message: B-tree address, local heap address).
void read_symbol_table(const Format& f, const Message& m, const std::string& object, std::vector<Link>& out) {
  const Source& src = f.source();
  Bytes msg = message_bytes(f, m, "the symbol table message of the group " + quoted(object));
  const uint64_t root = f.address(msg), heap_address = f.address(msg);
  const Bytes heap = local_heap(f, heap_address, object);
  const std::string node_what = "a B-tree node of the group " + quoted(object);
  const std::string snod_what = "a symbol table node of the group " + quoted(object);
  uint64_t budget = src.image.size();  // bytes of nodes read: overlapping nodes cannot multiply the work
  std::set<uint64_t> seen;
  auto visit = [&](uint64_t address, const std::string& what) {
    JANUS_CHECK(seen.insert(address).second, "{}: \"{}\": {} at address {} is reached twice (a loop in a damaged file)",
                src.who, src.path, what, address);
  };
  auto spend = [&](const Bytes& b, uint64_t n) {
    if (n > budget) b.fail("the group's nodes claim more bytes than the file has (damaged file)");
    budget -= n;
  };
  struct Pending {
    uint64_t address;
    int level;  // the level the node must have; -1 for the root
  };
  std::vector<Pending> stack{{root, -1}};
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    visit(p.address, node_what);
    // III.A.1 version 1 B-tree node: "TREE", type (0: group), level, entries used (2), left
    // and right siblings (O), then keys (L: heap offsets) and children (O) alternating, one
    // more key than children.
    Bytes b = f.from(p.address, node_what);
    b.expect("TREE");
    const unsigned type = b.u8(), level = b.u8(), entries = b.u16();
    if (type != 0) b.fail(fmt::format("B-tree node type {}; a group's B-tree has type 0", type));
    if (p.level < 0 && level > 64) b.fail(fmt::format("a B-tree {} levels deep; janus reads at most 64", level));
    if (p.level >= 0 && static_cast<int>(level) != p.level)
      b.fail(fmt::format("a B-tree node of level {} where level {} belongs", level, p.level));
    spend(b, 8 + 2 * uint64_t{f.offset_size()} + entries * uint64_t{f.length_size() + f.offset_size()});
    b.skip(2 * uint64_t{f.offset_size()});
    for (unsigned i = 0; i < entries; ++i) {
      f.length(b);  // key
      const uint64_t child = f.address(b);
      if (level > 0) {
        stack.push_back({child, static_cast<int>(level) - 1});
        continue;
      }
      // III.B symbol table node: "SNOD", version 1, reserved, symbol count (2), entries.
      visit(child, snod_what);
      Bytes s = f.from(child, snod_what);
      s.expect("SNOD");
      const unsigned version = s.u8();
      if (version != 1) s.fail(fmt::format("symbol table node version {}; expected 1", version));
      s.skip(1);
      const unsigned symbols = s.u16();
      spend(s, 8 + symbols * uint64_t{2 * f.offset_size() + 24});
      for (unsigned j = 0; j < symbols; ++j) {
        // III.C symbol table entry: name offset (O), object header address (O), cache type
        // (4), reserved (4), scratch pad (16). Cache type 2 is a soft link.
        const uint64_t name = f.address(s);
        Link l;
        l.address = f.address(s);
        const uint32_t cache = s.u32();
        s.skip(4 + 16);
        l.name = heap_name(heap, name);
        spend(s, l.name.size());
        if (cache == 2) {
          l.kind = Link::soft;
        } else if (cache > 2) {
          s.fail(fmt::format("the entry \"{}\" has cache type {}; expected 0, 1 or 2", excerpt(l.name), cache));
        }
        out.push_back(std::move(l));
      }
    }
  }
}

// IV.A.2.g link message: version 1, flags, [type], [creation order (8)], [name charset],
// name length (1, 2, 4 or 8 bytes by flags bits 0-1), name, then the link's information.
Link read_link(const Format& f, const Message& m, const std::string& object) {
  Bytes b = message_bytes(f, m, "a link message of the group " + quoted(object));
  const unsigned version = b.u8();
  if (version != 1) b.fail(fmt::format("link message version {}; expected 1", version));
  const unsigned flags = b.u8();
  if (flags & 0xe0) b.fail(fmt::format("link message flags 0x{:02x} set reserved bits", flags));
  const unsigned type = flags & 0x08 ? b.u8() : 0;
  if (flags & 0x04) b.skip(8);
  if (flags & 0x10) b.skip(1);  // ASCII or UTF-8: the bytes are the name either way
  const uint64_t length = b.uint(1u << (flags & 3));
  Link l;
  l.name = std::string(b.take(length));
  if (type == 0) {
    l.address = f.address(b);
  } else {
    l.kind = type == 1 ? Link::soft : type == 64 ? Link::external : Link::user_defined;
  }
  return l;
}

// IV.A.2.c link info: version 0, flags, [maximum creation index (8)], fractal heap address,
// name index B-tree address, [creation order index address]. A defined heap address means
// dense storage: the links live in a fractal heap, not in link messages.
void check_link_info(const Format& f, const Message& m, const std::string& object) {
  Bytes b = message_bytes(f, m, "the link info message of the group " + quoted(object));
  const unsigned version = b.u8();
  if (version != 0) b.fail(fmt::format("link info message version {}; expected 0", version));
  const unsigned flags = b.u8();
  if (flags & 0x01) b.skip(8);
  const uint64_t heap = f.address(b);
  JANUS_CHECK(f.undefined(heap), "{}: \"{}\": the group {} keeps its links in dense storage (a fractal heap: h5py "
              "does this for groups of more than 8 links when the file is written with libver='latest'); janus reads "
              "old-style groups (h5py's default, as Keras writes) and compact new-style ones", f.source().who,
              f.source().path, quoted(object));
}

}  // namespace

const char* link_kind(Link::Kind kind) {
  switch (kind) {
    case Link::hard: return "a hard";
    case Link::soft: return "a soft";
    case Link::external: return "an external";
    default: return "a user-defined";
  }
}

bool is_group(const std::vector<Message>& messages) {
  return std::any_of(messages.begin(), messages.end(), [](const Message& m) {
    return m.type == kSymbolTable || m.type == kLinkInfo || m.type == kLink;
  });
}

std::vector<Link> group_links(const Format& f, const std::vector<Message>& messages, const std::string& object) {
  const Source& src = f.source();
  std::vector<Link> out;
  const Message* table = nullptr;
  bool new_style = false;
  for (const Message& m : messages) {
    if (m.type == kSymbolTable) {
      JANUS_CHECK(!table, "{}: \"{}\": the group {} has two symbol table messages (damaged file)", src.who, src.path,
                  quoted(object));
      table = &m;
    } else if (m.type == kLinkInfo) {
      check_link_info(f, m, object);
      new_style = true;
    } else if (m.type == kLink) {
      out.push_back(read_link(f, m, object));
      new_style = true;
    }
  }
  JANUS_CHECK(!(table && new_style), "{}: \"{}\": the group {} has both a symbol table and link messages (damaged "
              "file)", src.who, src.path, quoted(object));
  if (table) read_symbol_table(f, *table, object, out);
  std::sort(out.begin(), out.end(), [](const Link& a, const Link& b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i)
    JANUS_CHECK(out[i].name != out[i - 1].name, "{}: \"{}\": the group {} has two links named \"{}\" (damaged file)",
                src.who, src.path, quoted(object), excerpt(out[i].name));
  return out;
}

}  // namespace janus::keras::h5
