// Loads golden fixtures (JSON) into tensors.
#include "fixtures.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>

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
  const nlohmann::json texts = j.value("texts", nlohmann::json::object());
  for (const auto& [key, t] : tensors.items()) {
    Shape shape = t.at("shape").get<Shape>();
    std::vector<float> data;
    for (const nlohmann::json& v : t.at("data")) {
      if (v.is_number()) {
        data.push_back(v.get<float>());
        continue;
      }
      // Non-finite values are strings (JSON has no nan/inf).
      const std::string s = v.get<std::string>();
      JANUS_CHECK(s == "nan" || s == "inf" || s == "-inf", "fixture {}: tensor '{}' has the value \"{}\"", f.path_,
                  key, s);
      data.push_back(s == "nan" ? std::numeric_limits<float>::quiet_NaN()
                                : (s == "inf" ? 1.0f : -1.0f) * std::numeric_limits<float>::infinity());
    }
    f.tensors_[key] = from_vector(data, shape);
  }
  for (const auto& [key, v] : values.items()) f.values_[key] = v.get<double>();
  for (const auto& [key, v] : texts.items()) f.texts_[key] = v.get<std::string>();
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

const std::string& Fixture::text(const std::string& key) const {
  auto it = texts_.find(key);
  JANUS_CHECK(it != texts_.end(), "fixture {}: no text '{}'", path_, key);
  return it->second;
}

std::vector<std::string> Fixture::text_keys() const {
  std::vector<std::string> keys;
  for (const auto& kv : texts_) keys.push_back(kv.first);
  return keys;
}

std::string shared_data_dir() { return JANUS_SHARED_DATA_DIR; }

}  // namespace janus::testing
