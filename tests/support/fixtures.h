// Reader for the golden-value fixtures that tests/golden/gen_*.py write with PyTorch.
//
// A fixture is a JSON file in tests/golden/:
//   {"generator": "tests/golden/gen_conv.py", "torch_version": "1.13.0",
//    "tensors": {"stride2.x": {"shape": [2, 3, 8, 8], "data": [...]}, ...},
//    "values":  {"stride2.stride": 2, ...},
//    "texts":   {"print.ints": "tensor([1., 2.])", ...}}   (optional)
//
//   Fixture f = Fixture::load("conv.json");
//   Tensor x = f.tensor("stride2.x");
#pragma once

#include <janus/core/tensor.h>

#include <map>
#include <string>
#include <vector>

namespace janus::testing {

class Fixture {
 public:
  // Loads tests/golden/<name>; throws janus::Error if missing or malformed.
  static Fixture load(const std::string& name);
  Tensor tensor(const std::string& key) const;
  double value(const std::string& key) const;
  const std::string& text(const std::string& key) const;
  std::vector<std::string> text_keys() const;
  bool has_tensor(const std::string& key) const { return tensors_.count(key) != 0; }
  const std::string& torch_version() const { return torch_version_; }

 private:
  std::string path_;
  std::string torch_version_;
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, double> values_;
  std::map<std::string, std::string> texts_;
};

// The shared/data directory next to the repository (may be absent: tests then skip).
std::string shared_data_dir();

}  // namespace janus::testing
