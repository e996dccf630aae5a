// safetensors read/write. Reading validates the whole file before allocating a tensor:
// header length within the file, a JSON object, known dtypes, shapes whose byte size
// equals their data_offsets span, spans inside the data, in order, without overlap or
// holes. Writing goes to a temporary file, is fsync'ed, then renamed over the target.
#include <janus/core/safetensors.h>

#include <janus/core/error.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include <fcntl.h>
#include <unistd.h>

namespace janus {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The largest header we accept (the reference implementation's limit is 100 MB).
constexpr uint64_t kMaxHeader = 100u * 1024u * 1024u;

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

// A non-negative integer that fits in int64 (JSON numbers may be negative or fractional).
bool as_count(const json& v, uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
    return out <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  }
  if (v.is_number_integer()) {
    const int64_t s = v.get<int64_t>();
    if (s < 0) return false;
    out = static_cast<uint64_t>(s);
    return true;
  }
  return false;
}

Entry parse_entry(const std::string& name, const json& v, uint64_t data_size, const std::string& what) {
  auto fail = [&](const std::string& problem) {
    JANUS_FAIL("safetensors '{}': tensor '{}': {}", what, name, problem);
  };
  if (name.empty()) fail("empty tensor name");
  if (!v.is_object()) fail("expected an object {dtype, shape, data_offsets}");
  auto dt = v.find("dtype");
  auto sh = v.find("shape");
  auto off = v.find("data_offsets");
  if (dt == v.end() || !dt->is_string()) fail("missing or non-string \"dtype\"");
  if (sh == v.end() || !sh->is_array()) fail("missing or non-array \"shape\"");
  if (off == v.end() || !off->is_array() || off->size() != 2) fail("\"data_offsets\" must be an array [begin, end]");
  Entry e;
  e.name = name;
  size_t elem = 0;
  const std::string dts = dt->get<std::string>();
  if (!parse_dtype(dts, e.dtype, elem))
    fail(fmt::format("unsupported dtype \"{}\" (janus reads F32, F64, F16, BF16, I64, I32)", dts));
  uint64_t numel = 1;
  for (const auto& d : *sh) {
    uint64_t n = 0;
    if (!as_count(d, n)) fail(fmt::format("shape {} has an entry that is not a non-negative integer", sh->dump()));
    if (n != 0 && numel > data_size / n) {
      // More elements than the data could hold; report it as a size mismatch unless a zero follows.
      numel = data_size + 1;
    } else {
      numel *= n;
    }
    e.shape.push_back(static_cast<int64_t>(n));
  }
  for (int64_t d : e.shape)
    if (d == 0) numel = 0;
  uint64_t b = 0, en = 0;
  if (!as_count((*off)[0], b) || !as_count((*off)[1], en))
    fail(fmt::format("data_offsets {} must be non-negative integers", off->dump()));
  if (b > en) fail(fmt::format("data_offsets [{}, {}] end before they begin", b, en));
  if (en > data_size)
    fail(fmt::format("data_offsets [{}, {}] run past the end of the data ({} bytes)", b, en, data_size));
  if (numel > data_size || numel * elem != en - b)
    fail(fmt::format("shape {} of {} needs {} bytes but data_offsets [{}, {}] span {} bytes", shape_str(e.shape), dts,
                     numel > data_size ? std::string("more than the file's") : std::to_string(numel * elem), b, en,
                     en - b));
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
  const json header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), nullptr,
                                  /*allow_exceptions=*/false);
  JANUS_CHECK(!header.is_discarded(), "safetensors '{}': the header is not valid JSON", what);
  JANUS_CHECK(header.is_object(), "safetensors '{}': the header must be a JSON object (got {})", what,
              header.type_name());
  const uint64_t data_size = rest - n;
  const char* data = bytes.data() + 8 + n;

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      JANUS_CHECK(it.value().is_object(), "safetensors '{}': \"__metadata__\" must be an object of strings", what);
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        JANUS_CHECK(m.value().is_string(), "safetensors '{}': metadata value for '{}' must be a string", what,
                    m.key());
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(it.key(), it.value(), data_size, what));
  }
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
  const std::string bytes = serialize_safetensors(tensors, metadata);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  JANUS_CHECK(fd >= 0, "save_safetensors: cannot create '{}': {}", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      JANUS_FAIL("save_safetensors: writing '{}' failed: {}", tmp, err);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    JANUS_FAIL("save_safetensors: flushing '{}' failed: {}", tmp, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    JANUS_FAIL("save_safetensors: renaming '{}' to '{}' failed: {}", tmp, path, err);
  }
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  JANUS_CHECK(in.good(), "safetensors: cannot open '{}': {}", path, std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  JANUS_CHECK(size >= 0, "safetensors: cannot determine the size of '{}'", path);
  in.seekg(0, std::ios::beg);
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), size);
  JANUS_CHECK(in.gcount() == size, "safetensors: reading '{}' failed after {} of {} bytes", path, in.gcount(), size);
  return parse_safetensors(bytes, path);
}

NamedTensors load_safetensors(const std::string& path) { return read_safetensors(path).tensors; }

}  // namespace janus
