// Exact encodings of doubles and names as float tensors, and the checked key reader used by
// the optimizers' and schedulers' load_state_dict.
#include <janus/core/error.h>
#include <janus/core/optim/state_dict.h>

#include <cmath>

namespace janus::optim {

// hi = float(v); r = v - hi is exact in double (hi is v rounded to 24 bits, Sterbenz);
// mid = float(r), lo = float(r - mid) likewise, and what is left after 48 bits of a 53-bit
// significand fits a float, so hi + mid + lo == v unless lo underflows (checked).
Tensor encode_double(double value, const std::string& key) {
  JANUS_CHECK(std::isfinite(value), "state_dict: key '{}': expected a finite value (got {})", key, value);
  const float hi = static_cast<float>(value);
  const double r1 = value - static_cast<double>(hi);
  const float mid = static_cast<float>(r1);
  const float lo = static_cast<float>(r1 - static_cast<double>(mid));
  Tensor t = from_vector({hi, mid, lo}, {3});
  JANUS_CHECK(decode_double(t) == value, "state_dict: key '{}': {} cannot be stored exactly as float32", key, value);
  return t;
}

double decode_double(const Tensor& t) {
  JANUS_CHECK(t.numel() == 3, "state_dict: expected a (3,) exact double (got {})", shape_str(t.shape()));
  const float* p = t.data();
  return (static_cast<double>(p[0]) + static_cast<double>(p[1])) + static_cast<double>(p[2]);
}

std::vector<double> decode_doubles(const Tensor& t) {
  JANUS_CHECK(t.dim() == 2 && t.shape()[1] == 3, "state_dict: expected (n, 3) exact doubles (got {})",
              shape_str(t.shape()));
  std::vector<double> out;
  const float* p = t.data();
  for (int64_t i = 0; i < t.shape()[0]; ++i)
    out.push_back((static_cast<double>(p[3 * i]) + static_cast<double>(p[3 * i + 1])) +
                  static_cast<double>(p[3 * i + 2]));
  return out;
}

Tensor encode_name(const std::string& name) {
  std::vector<float> codes;
  for (char c : name) codes.push_back(static_cast<float>(static_cast<unsigned char>(c)));
  return from_vector(codes, {static_cast<int64_t>(codes.size())});
}

std::string decode_name(const Tensor& t) {
  std::string s;
  const float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) {
    JANUS_CHECK(p[i] >= 32.0f && p[i] < 127.0f && p[i] == std::floor(p[i]),
                "state_dict: expected ASCII codes of a name (got {} at position {})", p[i], i);
    s.push_back(static_cast<char>(p[i]));
  }
  return s;
}

void put_double(NamedTensors& out, const std::string& key, double value) {
  out.emplace_back(key, encode_double(value, key));
}

void put_doubles(NamedTensors& out, const std::string& key, const std::vector<double>& values) {
  std::vector<float> flat;
  for (double v : values) {
    const Tensor t = encode_double(v, key);
    flat.insert(flat.end(), t.data(), t.data() + 3);
  }
  out.emplace_back(key, from_vector(flat, {static_cast<int64_t>(values.size()), 3}));
}

StateDictReader::StateDictReader(const NamedTensors& dict, std::string what) : what_(std::move(what)) {
  for (const auto& [key, t] : dict) {
    JANUS_CHECK(t.defined(), "{}: key '{}' holds an undefined tensor", what_, key);
    JANUS_CHECK(tensors_.emplace(key, t).second, "{}: key '{}' appears twice", what_, key);
    order_.push_back(key);
  }
}

bool StateDictReader::has(const std::string& key) const { return tensors_.count(key) != 0; }

const Tensor& StateDictReader::find(const std::string& key) {
  auto it = tensors_.find(key);
  JANUS_CHECK(it != tensors_.end(), "{}: missing key '{}'", what_, key);
  read_.insert(key);
  return it->second;
}

Tensor StateDictReader::get(const std::string& key, const Shape& shape) {
  const Tensor& t = find(key);
  JANUS_CHECK(t.shape() == shape, "{}: key '{}': expected shape {} (got {})", what_, key, shape_str(shape),
              shape_str(t.shape()));
  return t;
}

// encode_double stores finite values only, so inf or NaN here is a damaged or forged dict.
double StateDictReader::get_double(const std::string& key) {
  const double v = decode_double(get(key, {3}));
  JANUS_CHECK(std::isfinite(v), "{}: key '{}': expected a finite value (got {})", what_, key, v);
  return v;
}

std::vector<double> StateDictReader::get_doubles(const std::string& key, int64_t n) {
  std::vector<double> v = decode_doubles(get(key, {n, 3}));
  for (size_t i = 0; i < v.size(); ++i)
    JANUS_CHECK(std::isfinite(v[i]), "{}: key '{}': expected finite values (got {} at {})", what_, key, v[i], i);
  return v;
}

int64_t StateDictReader::get_int(const std::string& key, int64_t lo, int64_t hi) {
  const double v = get_double(key);
  JANUS_CHECK(v == std::floor(v) && v >= static_cast<double>(lo) && v <= static_cast<double>(hi),
              "{}: key '{}': expected a whole number in [{}, {}] (got {})", what_, key, lo, hi, v);
  return static_cast<int64_t>(v);
}

bool StateDictReader::get_bool(const std::string& key) {
  const double v = get_double(key);
  JANUS_CHECK(v == 0.0 || v == 1.0, "{}: key '{}': expected 0 or 1 (got {})", what_, key, v);
  return v == 1.0;
}

std::string StateDictReader::get_name(const std::string& key) {
  const Tensor& t = find(key);
  JANUS_CHECK(t.dim() == 1, "{}: key '{}': expected a 1-D tensor of ASCII codes (got {})", what_, key,
              shape_str(t.shape()));
  try {
    return decode_name(t);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: key '{}': {}", what_, key, e.what()));
  }
}

void StateDictReader::expect_name(const std::string& key, const std::string& expected) {
  const std::string got = get_name(key);
  JANUS_CHECK(got == expected, "{}: key '{}': expected '{}' (got '{}')", what_, key, expected, got);
}

void StateDictReader::expect_all_read(const std::string& hint) const {
  for (const std::string& key : order_)
    JANUS_CHECK(read_.count(key) != 0, "{}: unexpected key '{}'{}", what_, key, hint.empty() ? "" : " (" + hint + ")");
}

}  // namespace janus::optim
