// Loads golden fixtures (JSON) into tensors.
#include "fixtures.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace janus::testing {

Fixture Fixture::load(const std::string& name) {
  Fixture f;
  f.path_ = std::string(JANUS_GOLDEN_DIR) + "/" + name;
  std::ifstream in(f.path_);
  JANUS_CHECK(in.good(), "fixture: cannot open {} (regenerate with tests/golden/gen_*.py)", f.path_);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    JANUS_FAIL("fixture: {} is not valid JSON: {}", f.path_, e.what());
  }
  f.torch_version_ = j.value("torch_version", "");
  // Keep the looked-up objects alive: items() of a temporary json dangles.
  const nlohmann::json tensors = j.value("tensors", nlohmann::json::object());
  const nlohmann::json values = j.value("values", nlohmann::json::object());
  for (const auto& [key, t] : tensors.items()) {
    Shape shape = t.at("shape").get<Shape>();
    std::vector<float> data = t.at("data").get<std::vector<float>>();
    f.tensors_[key] = from_vector(data, shape);
  }
  for (const auto& [key, v] : values.items()) f.values_[key] = v.get<double>();
  return f;
}

Tensor Fixture::tensor(const std::string& key) const {
  auto it = tensors_.find(key);
  JANUS_CHECK(it != tensors_.end(), "fixture {}: no tensor '{}'", path_, key);
  return it->second.clone();
}

double Fixture::value(const std::string& key) const {
  auto it = values_.find(key);
  JANUS_CHECK(it != values_.end(), "fixture {}: no value '{}'", path_, key);
  return it->second;
}

std::string shared_data_dir() { return JANUS_SHARED_DATA_DIR; }

}  // namespace janus::testing
