// Helpers for optimizer and scheduler state dicts (NamedTensors, savable as safetensors).
// Tensors hold float, so a double (lr, betas, step counts) is stored exactly as a (3,)
// tensor [hi, mid, lo] of floats whose sum in double is the value (element 0 is the value
// rounded to float, readable as is); a name ("SGD") as a (len,) tensor of its ASCII codes.
// StateDictReader looks keys up, checks shapes and reports every key left unread, each
// error a janus::Error naming the key with expected vs got.
//
//   NamedTensors d;  put_double(d, "param_groups.0.lr", 0.1);
//   StateDictReader r(d, "SGD.load_state_dict");  double lr = r.get_double("param_groups.0.lr");
//   r.expect_all_read();
#pragma once

#include <janus/core/safetensors.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace janus::optim {

// Throws if `value` is not finite or cannot be split exactly (|value| below ~1e-30).
Tensor encode_double(double value, const std::string& key);
// The inverse: a (3,) tensor -> its value; (n, 3) -> n values.
double decode_double(const Tensor& t);
std::vector<double> decode_doubles(const Tensor& t);
Tensor encode_name(const std::string& name);
std::string decode_name(const Tensor& t);  // throws if the codes are not printable ASCII

void put_double(NamedTensors& out, const std::string& key, double value);
void put_doubles(NamedTensors& out, const std::string& key, const std::vector<double>& values);  // (n, 3)

class StateDictReader {
 public:
  // `what` starts every message, e.g. "SGD.load_state_dict".
  StateDictReader(const NamedTensors& dict, std::string what);

  bool has(const std::string& key) const;
  // The tensor under `key`, which must exist (any shape).
  Tensor get_any(const std::string& key) { return find(key); }
  // The tensor under `key`, which must exist and have `shape`.
  Tensor get(const std::string& key, const Shape& shape);
  double get_double(const std::string& key);
  std::vector<double> get_doubles(const std::string& key, int64_t n);
  // A double that must be a whole number in [lo, hi].
  int64_t get_int(const std::string& key, int64_t lo, int64_t hi);
  bool get_bool(const std::string& key);
  std::string get_name(const std::string& key);
  // Checks that the stored name equals `expected` (e.g. the optimizer kind).
  void expect_name(const std::string& key, const std::string& expected);
  // Throws naming the first key nobody read, with `hint` (e.g. how many parameters exist).
  void expect_all_read(const std::string& hint = "") const;
  const std::string& what() const { return what_; }

 private:
  const Tensor& find(const std::string& key);
  std::map<std::string, Tensor> tensors_;
  std::vector<std::string> order_;  // the dict's key order, for deterministic messages
  std::set<std::string> read_;
  std::string what_;
};

}  // namespace janus::optim
