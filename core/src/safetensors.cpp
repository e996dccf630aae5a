// safetensors read/write. Reading validates the whole file before allocating a tensor:
// header length within the file, a JSON object, known dtypes, shapes whose byte size
// equals their data_offsets span, spans inside the data, in order, without overlap or
// holes. Writing goes to a temporary file, is fsync'ed, then renamed over the target.
#include <janus/core/safetensors.h>

#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>


namespace janus {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The largest header we accept (the reference implementation's limit is 100 MB), the
// deepest JSON nesting (a valid header needs 3: {name: {"shape": [...]}}) and the most
// dimensions of a shape (PyTorch's own tensors stop at 64 in practice too).
constexpr uint64_t kMaxHeader = 100u * 1024u * 1024u;
constexpr size_t kMaxDepth = 8;
constexpr size_t kMaxRank = 64;
// The most tensors a header may name: a model has thousands at most, and each entry costs
// about 100 bytes while it is read, so a 100 MB header of empty entries stays near 100 MB.
constexpr size_t kMaxTensors = size_t{1} << 20;

enum class DType { f32, f64, f16, bf16, i64, i32 };

bool parse_dtype(const std::string& s, DType& out, size_t& bytes) {
  if (s == "F32") { out = DType::f32; bytes = 4; return true; }
  if (s == "F64") { out = DType::f64; bytes = 8; return true; }
  if (s == "F16") { out = DType::f16; bytes = 2; return true; }
  if (s == "BF16") { out = DType::bf16; bytes = 2; return true; }
  if (s == "I64") { out = DType::i64; bytes = 8; return true; }
  if (s == "I32") { out = DType::i32; bytes = 4; return true; }
  return false;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // subnormal (or zero)
  } else if (exp == 31) {
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
  }
  return sign ? -v : v;
}

template <typename T>
T read_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // janus targets little-endian hosts, like the format
  return v;
}

void convert(DType dt, const char* src, int64_t n, float* dst) {
  switch (dt) {
    case DType::f32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); break;
    case DType::f64: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(read_le<double>(src + 8 * i)); break;
    case DType::f16: for (int64_t i = 0; i < n; ++i) dst[i] = half_to_float(read_le<uint16_t>(src + 2 * i)); break;
    case DType::bf16:
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(read_le<uint16_t>(src + 2 * i)) << 16;
        std::memcpy(&dst[i], &bits, 4);
      }
      break;
    case DType::i64: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(read_le<int64_t>(src + 8 * i)); break;
    case DType::i32: for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(read_le<int32_t>(src + 4 * i)); break;
  }
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  int64_t numel;
  uint64_t begin, end;
};

// One tensor's fields as the header gave them, before validation.
struct RawEntry {
  std::string name;
  bool has_dtype = false, has_shape = false, has_offsets = false;
  std::string dtype;
  std::vector<uint64_t> shape, offsets;
};

// A SAX reader of the header: it builds the entries and the metadata directly, never a
// JSON document, so its memory is a small multiple of the header's size whatever the
// header holds; it refuses nesting beyond kMaxDepth, shapes beyond kMaxRank, duplicate
// names, fields and metadata keys at the first offending token, and it never formats the
// user's JSON back into a message (only names and counts).
class HeaderReader : public nlohmann::json_sax<json> {
 public:
  std::vector<RawEntry> entries;
  std::map<std::string, std::string> metadata;
  std::string error;

  bool null() override { return scalar("null"); }
  bool boolean(bool) override { return scalar("a boolean"); }
  bool number_integer(number_integer_t v) override {
    return v < 0 ? scalar("a negative number") : count(static_cast<uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override { return count(v); }
  bool number_float(number_float_t, const string_t&) override { return scalar("a fractional or huge number"); }
  bool binary(binary_t&) override { return scalar("binary data"); }
  bool string(string_t& s) override {
    Frame* f = top();
    if (f && f->kind == Kind::meta) {
      metadata[f->key] = s;
      return true;
    }
    if (f && f->kind == Kind::entry && f->key == "dtype") {
      entries.back().dtype = s;
      return true;
    }
    return scalar("a string");
  }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    Frame* f = top();
    f->key = k;
    if (f->kind == Kind::top) {
      if (k == "__metadata__") return !seen_metadata_ || fail("\"__metadata__\" appears twice");
      if (k.empty()) return fail("a tensor has an empty name");
      if (!names_.insert(k).second) return fail(fmt::format("tensor name '{}' appears twice", clip(k)));
    } else if (f->kind == Kind::meta) {
      if (metadata.count(k)) return fail(fmt::format("metadata key '{}' appears twice", clip(k)));
    } else if (f->kind == Kind::entry) {
      if (!f->fields.insert(k).second)
        return fail(fmt::format("tensor '{}': field \"{}\" appears twice", clip(entries.back().name), clip(k)));
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    return fail(fmt::format("the header is not valid JSON (at byte {}: {})", position, clip(e.what())));
  }

 private:
  enum class Kind { top, meta, entry, shape, offsets, skip };
  struct Frame {
    Kind kind;
    std::string key;            // the current key of an object
    std::set<std::string> fields;  // an entry's fields so far
  };
  std::vector<Frame> stack_;
  std::set<std::string> names_;
  bool seen_metadata_ = false;

  Frame* top() { return stack_.empty() ? nullptr : &stack_.back(); }
  bool fail(const std::string& message) {
    if (error.empty()) error = message;
    return false;
  }
  // A user string cut to a length fit for a message.
  static std::string clip(const std::string& s) { return excerpt(s, 200); }
  std::string where() {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->kind == Kind::entry) return fmt::format("tensor '{}': ", clip(entries.back().name));
    return "";
  }
  std::string field() const { return stack_.size() >= 2 ? stack_[stack_.size() - 2].key : ""; }

  // A scalar that is not a count or an expected string.
  bool scalar(const char* what) {
    Frame* f = top();
    if (!f) return fail(fmt::format("the header must be a JSON object (got {})", what));
    switch (f->kind) {
      case Kind::top:
        if (f->key == "__metadata__") return fail(fmt::format("\"__metadata__\" must be an object of strings (got {})", what));
        return fail(fmt::format("tensor '{}': expected an object {{dtype, shape, data_offsets}} (got {})",
                                              clip(f->key), what));
      case Kind::meta: return fail(fmt::format("metadata value for '{}' must be a string (got {})", clip(f->key), what));
      case Kind::entry:
        if (f->key == "dtype") return fail(where() + fmt::format("\"dtype\" must be a string (got {})", what));
        if (f->key == "shape") return fail(where() + fmt::format("\"shape\" must be an array (got {})", what));
        if (f->key == "data_offsets")
          return fail(where() + fmt::format("\"data_offsets\" must be an array [begin, end] (got {})", what));
        return true;  // another field: ignored, as the reference implementation does
      case Kind::shape:
        return fail(where() + fmt::format("shape entry {} is not a non-negative integer (got {})",
                                          entries.back().shape.size(), what));
      case Kind::offsets:
        return fail(where() + fmt::format("data_offsets entry {} is not a non-negative integer (got {})",
                                          entries.back().offsets.size(), what));
      case Kind::skip: return true;
    }
    return true;
  }
  // A non-negative integer that fits in int64.
  bool count(uint64_t v) {
    Frame* f = top();
    if (f && (f->kind == Kind::shape || f->kind == Kind::offsets) &&
        v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return scalar("a number beyond int64");
    if (f && f->kind == Kind::shape) {
      if (entries.back().shape.size() == kMaxRank)
        return fail(where() + fmt::format("shape has more than {} dimensions", kMaxRank));
      entries.back().shape.push_back(v);
      return true;
    }
    if (f && f->kind == Kind::offsets) {
      if (entries.back().offsets.size() == 2) return fail(where() + "\"data_offsets\" must be an array [begin, end]");
      entries.back().offsets.push_back(v);
      return true;
    }
    return scalar("a number");
  }
  bool open(bool object) {
    if (stack_.size() >= kMaxDepth) return fail(fmt::format("the header nests deeper than {} levels", kMaxDepth));
    Frame* f = top();
    const char* what = object ? "an object" : "an array";
    Kind kind = Kind::skip;
    if (!f) {
      if (!object) return fail("the header must be a JSON object (got an array)");
      kind = Kind::top;
    } else if (f->kind == Kind::top) {
      if (!object) return scalar(what);
      if (f->key == "__metadata__") {
        seen_metadata_ = true;
        kind = Kind::meta;
      } else {
        if (entries.size() == kMaxTensors)
          return fail(fmt::format("the header names more than {} tensors", kMaxTensors));
        entries.emplace_back();
        entries.back().name = f->key;
        kind = Kind::entry;
      }
    } else if (f->kind == Kind::meta || f->kind == Kind::shape || f->kind == Kind::offsets) {
      return scalar(what);
    } else if (f->kind == Kind::entry) {
      RawEntry& e = entries.back();
      if (f->key == "dtype") return scalar(what);
      if (f->key == "shape") {
        if (object) return scalar(what);
        e.has_shape = true;
        kind = Kind::shape;
      } else if (f->key == "data_offsets") {
        if (object) return scalar(what);
        e.has_offsets = true;
        kind = Kind::offsets;
      }
    }
    stack_.push_back(Frame{kind, "", {}});
    return true;
  }
  bool close() {
    if (stack_.back().kind == Kind::entry) entries.back().has_dtype = stack_.back().fields.count("dtype") != 0;
    stack_.pop_back();
    return true;
  }
};

Entry check_entry(const RawEntry& raw, uint64_t data_size, const std::string& what) {
  auto fail = [&](const std::string& problem) {
    JANUS_FAIL("safetensors '{}': tensor '{}': {}", what, raw.name, problem);
  };
  if (!raw.has_dtype) fail("missing \"dtype\"");
  if (!raw.has_shape) fail("missing \"shape\"");
  if (!raw.has_offsets || raw.offsets.size() != 2) fail("\"data_offsets\" must be an array [begin, end]");
  Entry e;
  e.name = raw.name;
  size_t elem = 0;
  if (!parse_dtype(raw.dtype, e.dtype, elem))
    fail(fmt::format("unsupported dtype \"{}\" (janus reads F32, F64, F16, BF16, I64, I32)",
                     raw.dtype.size() <= 20 ? raw.dtype : raw.dtype.substr(0, 20) + "..."));
  // The product of the non-zero sizes must fit int64 even when a zero makes the count 0,
  // so that every later numel_of / stride computation on this shape is defined.
  uint64_t product = 1;
  bool zero = false;
  for (uint64_t n : raw.shape) {
    e.shape.push_back(static_cast<int64_t>(n));
    if (n == 0) {
      zero = true;
    } else if (__builtin_mul_overflow(product, n, &product) ||
               product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(fmt::format("shape {} has more elements than int64 can count", shape_str(e.shape)));
    }
  }
  const uint64_t numel = zero ? 0 : product;
  const uint64_t b = raw.offsets[0], en = raw.offsets[1];
  if (b > en) fail(fmt::format("data_offsets [{}, {}] end before they begin", b, en));
  if (en > data_size)
    fail(fmt::format("data_offsets [{}, {}] run past the end of the data ({} bytes)", b, en, data_size));
  if (numel > data_size || numel * elem != en - b)
    fail(fmt::format("shape {} of {} needs {} bytes but data_offsets [{}, {}] span {} bytes", shape_str(e.shape),
                     raw.dtype, numel > data_size ? std::string("more than the file's") : std::to_string(numel * elem),
                     b, en, en - b));
  e.numel = static_cast<int64_t>(numel);
  e.begin = b;
  e.end = en;
  return e;
}

}  // namespace

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& what) {
  JANUS_CHECK(bytes.size() >= 8, "safetensors '{}': the file is {} bytes, too short for the 8-byte header length",
              what, bytes.size());
  const uint64_t n = read_le<uint64_t>(bytes.data());
  const uint64_t rest = bytes.size() - 8;
  JANUS_CHECK(n <= rest, "safetensors '{}': header length {} runs past the end of the file ({} bytes)", what, n,
              bytes.size());
  JANUS_CHECK(n <= kMaxHeader, "safetensors '{}': header length {} exceeds the {} byte limit", what, n, kMaxHeader);
  JANUS_CHECK(n >= 2, "safetensors '{}': header length {} is too small for a JSON object", what, n);
  HeaderReader reader;
  const bool ok = json::sax_parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), &reader);
  JANUS_CHECK(ok && reader.error.empty(), "safetensors '{}': {}", what,
              reader.error.empty() ? std::string("the header is not valid JSON") : reader.error);
  const uint64_t data_size = rest - n;
  const char* data = bytes.data() + 8 + n;

  SafetensorsFile file;
  file.metadata = std::move(reader.metadata);
  std::vector<Entry> entries;
  entries.reserve(reader.entries.size());
  for (const RawEntry& raw : reader.entries) entries.push_back(check_entry(raw, data_size, what));
  // The data must be covered exactly: spans in order, no overlap, no hole, nothing after.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < pos)
      JANUS_FAIL("safetensors '{}': tensor '{}' data [{}, {}) overlaps tensor '{}' [{}, {})", what, e.name, e.begin,
                 e.end, prev->name, prev->begin, prev->end);
    JANUS_CHECK(e.begin == pos, "safetensors '{}': {} unused bytes before tensor '{}' (data [{}, {}))", what,
                e.begin - pos, e.name, e.begin, e.end);
    pos = e.end;
    prev = &e;
  }
  JANUS_CHECK(pos == data_size, "safetensors '{}': {} bytes of data follow the last tensor (data is {} bytes)", what,
              data_size - pos, data_size);

  for (const Entry& e : entries) {
    Tensor t = empty(e.shape);
    if (e.numel > 0) convert(e.dtype, data + e.begin, e.numel, t.data());
    file.tensors.emplace_back(e.name, t);
  }
  return file;
}

std::string serialize_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    JANUS_CHECK(!name.empty() && name != "__metadata__", "save_safetensors: invalid tensor name '{}'", name);
    JANUS_CHECK(seen.insert(name).second, "save_safetensors: tensor name '{}' appears twice", name);
    JANUS_CHECK(t.defined(), "save_safetensors: tensor '{}' is undefined", name);
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * 4;
    header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';  // keeps the data 8-byte aligned
  std::string out(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(&out[0], &n, 8);
  out += text;
  out.reserve(out.size() + offset);
  for (const auto& [name, t] : tensors) out.append(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.numel()) * 4);
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, serialize_safetensors(tensors, metadata), "save_safetensors");
}

SafetensorsFile read_safetensors(const std::string& path) {
  return parse_safetensors(read_regular_file(path, "safetensors", kMaxSafetensorsFileBytes), path);
}

NamedTensors load_safetensors(const std::string& path) { return read_safetensors(path).tensors; }

}  // namespace janus
