// The Reader facade of janus' HDF5 parser: paths resolved through hard links only, groups
// listed once, datasets described and checked against the file's bytes, values converted to
// float32. Nothing here calls libhdf5.
#include "h5_reader.h"

#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <algorithm>
#include <cstring>

namespace janus::keras::h5 {

Reader::Reader(std::string path, std::string who, uint64_t max_bytes) {
  image_ = read_regular_file(path, who, max_bytes);
  source_ = Source{image_, std::move(who), std::move(path)};
  format_ = std::make_unique<Format>(source_);
}

const std::vector<Link>* Reader::group(uint64_t address, const std::string& object) const {
  auto it = groups_.find(address);
  if (it == groups_.end()) {
    const std::vector<Message> messages = object_header(*format_, address, object);
    if (!h5::is_group(messages)) return nullptr;
    it = groups_.emplace(address, group_links(*format_, messages, object)).first;
  }
  return &it->second;
}

std::optional<uint64_t> Reader::resolve(const std::string& object) const {
  uint64_t at = format_->root();
  std::string prefix;
  size_t from = 0;
  while (from < object.size()) {
    size_t slash = object.find('/', from);
    if (slash == std::string::npos) slash = object.size();
    const std::string name = object.substr(from, slash - from);
    from = slash + 1;
    if (name.empty()) continue;
    const std::vector<Link>* ls = group(at, prefix);
    if (!ls) return std::nullopt;
    auto it = std::lower_bound(ls->begin(), ls->end(), name, [](const Link& l, const std::string& n) { return l.name < n; });
    if (it == ls->end() || it->name != name) return std::nullopt;
    prefix += (prefix.empty() ? "" : "/") + name;
    // Keras and h5py write hard links only. An external link would lead into a file the user
    // never named (a FIFO there would block forever), a soft link can loop: both refused.
    JANUS_CHECK(it->kind == Link::hard, "{}: \"{}\": \"{}\" is {} link; janus follows only the hard links Keras "
                "writes, never into another file", source_.who, source_.path, excerpt(prefix), link_kind(it->kind));
    at = it->address;
  }
  return at;
}

bool Reader::is_group(const std::string& object) const {
  const std::optional<uint64_t> at = resolve(object);
  return at && group(*at, object);
}

std::vector<std::string> Reader::children(const std::string& object) const {
  const std::optional<uint64_t> at = resolve(object);
  const std::vector<Link>* ls = at ? group(*at, object) : nullptr;
  JANUS_CHECK(ls, "{}: \"{}\": there is no group \"{}\"", source_.who, source_.path, excerpt(object));
  std::vector<std::string> names;
  for (const Link& l : *ls) {
    JANUS_CHECK(l.kind == Link::hard, "{}: \"{}\": \"{}/{}\" is {} link; janus follows only the hard links Keras "
                "writes, never into another file", source_.who, source_.path, excerpt(object), excerpt(l.name),
                link_kind(l.kind));
    names.push_back(l.name);
  }
  return names;
}

std::optional<Dataset> Reader::dataset(const std::string& object) const {
  const std::optional<uint64_t> at = resolve(object);
  if (!at) return std::nullopt;
  const std::vector<Message> messages = object_header(*format_, *at, object);
  const Message *space = nullptr, *type = nullptr, *layout = nullptr;
  bool external = false, filters = false;
  for (const Message& m : messages) {
    const Message** slot = m.type == kDataspace ? &space : m.type == kDatatype ? &type : m.type == kLayout ? &layout
                                                                                                         : nullptr;
    if (slot) {
      JANUS_CHECK(!*slot, "{}: \"{}\": the object \"{}\" has two messages of type 0x{:04x} (damaged file)",
                  source_.who, source_.path, excerpt(object), m.type);
      *slot = &m;
    }
    external |= m.type == kExternalFiles;
    filters |= m.type == kFilters;
  }
  if (!layout) return std::nullopt;  // a group or a committed datatype: not a dataset
  const std::string who = fmt::format("{}: \"{}\": the dataset \"{}\"", source_.who, source_.path, excerpt(object));
  JANUS_CHECK(space && type && !h5::is_group(messages), "{}: has a data layout but {} (damaged file)", who,
              !space ? "no dataspace" : !type ? "no datatype" : "also links, as a group");
  Dataset d;
  d.object = object;
  d.type = read_datatype(*format_, *type, object);
  d.shape = read_dataspace(*format_, *space, object);
  // Sizes are checked before anything is allocated: the values cannot be more than the file.
  uint64_t count = 1, bytes = 0;
  for (int64_t n : d.shape) {
    const bool overflow = __builtin_mul_overflow(count, static_cast<uint64_t>(n), &count) ||
                          __builtin_mul_overflow(count, uint64_t{d.type.size}, &bytes);
    JANUS_CHECK(!overflow && bytes <= image_.size(), "{} of shape {} claims more values than the file has bytes ({})",
                who, shape_str(d.shape), image_.size());
  }
  // External storage keeps the values in other files, named by the file: never read them.
  JANUS_CHECK(!external, "{} keeps its values in external files; janus reads only values stored inside the "
              ".weights.h5 file", who);
  const Storage s = read_layout(*format_, *layout, object);
  JANUS_CHECK(!filters, "{} passes its values through filters (compression or checksums); janus reads the plain "
              "contiguous or compact datasets Keras writes", who);
  const uint64_t expected = count * d.type.size, stored = s.defined ? s.size : 0;
  JANUS_CHECK(stored == expected, "{} of shape {} holds {} bytes, expected {} (truncated or damaged file?)", who,
              shape_str(d.shape), stored, expected);
  d.offset = s.offset;
  return d;
}

namespace {

// One stored element as an unsigned integer of its size, in the file's byte order.
uint64_t load(const uint8_t* p, unsigned size, bool big_endian) {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint64_t{p[big_endian ? size - 1 - i : i]} << (8 * i);
  return v;
}

float to_float(uint64_t bits, const ElementType& t) {
  switch (t.kind) {
    case ElementType::floating:
      if (t.size == 4) {
        const uint32_t b = static_cast<uint32_t>(bits);
        float f;
        std::memcpy(&f, &b, 4);
        return f;
      } else {
        double x;
        std::memcpy(&x, &bits, 8);
        return static_cast<float>(x);  // IEEE rounding; beyond float's range gives +-inf
      }
    case ElementType::signed_int: {
      const unsigned shift = 64 - 8 * t.size;  // sign-extend from the element's width
      return static_cast<float>(static_cast<int64_t>(bits << shift) >> shift);
    }
    default:
      return static_cast<float>(bits);
  }
}

}  // namespace

Tensor Reader::read(const Dataset& d) const {
  const uint64_t count = static_cast<uint64_t>(numel_of(d.shape));
  Bytes b(source_, d.offset, count * d.type.size, fmt::format("the values of \"{}\"", excerpt(d.object)));
  const auto* p = reinterpret_cast<const uint8_t*>(b.take(count * d.type.size).data());
  Tensor t = empty(d.shape);
  float* out = t.data();
  for (uint64_t i = 0; i < count; ++i) out[i] = to_float(load(p + i * d.type.size, d.type.size, d.type.big_endian), d.type);
  return t;
}

}  // namespace janus::keras::h5
