// Model::save_weights / load_weights for names ending in ".weights.h5": Keras 3's layout
// (keras/src/saving/saving_lib.py, save_weights_only / H5IOStore). The file holds the
// model's own variables in the group "vars" (none for a janus model), and for each layer of
// model.layers -- a Sequential's without its InputLayer, a functional model's with them --
// a group "layers/<name>/vars" with the layer's variables as float32 datasets "0", "1", ...
// in Keras' order (kernel, bias; gamma, beta, moving_mean, moving_variance) and layouts
// (Conv2D kernel (kh, kw, in, out), Dense kernel (in, out)). <name> is Keras' snake case of
// the CLASS name, numbered within the model (conv2d, conv2d_1, ...), not the layer's name.
// The optimizer's state is not written (Keras' load_weights then warns and skips it).
#include <janus/keras/model.h>

#include "h5_file.h"
#include "h5_reader.h"
#include "keras_internal.h"

#include <map>
#include <regex>
#include <set>

namespace janus::keras {

namespace {

// Keras' naming.to_snake_case: drop non-word characters, "_" before a capital that starts a
// lowercase run and between a lowercase and a capital letter, then lower case:
// Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu.
std::string to_snake_case(const std::string& name) {
  std::string s = std::regex_replace(name, std::regex("\\W+"), "");
  s = std::regex_replace(s, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  s = std::regex_replace(s, std::regex("([a-z])([A-Z])"), "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Python's tuple of a shape: (3, 3, 1, 32), (32,), ().
std::string tuple_text(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += fmt::format("{}{}", i ? ", " : "", s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// Names read from the file, quoted for a message: the first few, each clipped, then how many
// more (a hostile file may hold 100k groups with long names).
template <typename Names>
std::string some_names(const Names& names, size_t shown = 8) {
  std::string out;
  size_t i = 0;
  for (const std::string& n : names) {
    if (i == shown) return out + fmt::format(" and {} more", names.size() - shown);
    out += fmt::format("{}\"{}\"", i++ ? ", " : "", excerpt(n, 64));
  }
  return out;
}

std::string describe_weights(const NamedTensors& w) {
  if (w.empty()) return "no variables";
  std::string out;
  for (size_t i = 0; i < w.size(); ++i)
    out += fmt::format("{}{} {} {}", i ? ", " : "", i, w[i].first, tuple_text(w[i].second.shape()));
  return out;
}

}  // namespace

bool is_keras_weights_h5(const std::string& path) {
  const std::string ext = ".weights.h5";
  return path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

std::vector<std::pair<std::string, std::shared_ptr<layers::Layer>>> Model::h5_layer_groups() const {
  std::vector<std::pair<std::string, std::shared_ptr<layers::Layer>>> out;
  std::map<std::string, int> used;
  for (const auto& l : layers_) {
    if (!functional_ && dynamic_cast<const layers::Input*>(l.get())) continue;  // not in a Sequential's .layers
    const std::string base = to_snake_case(l->class_name());
    const int n = used[base]++;
    out.emplace_back(n == 0 ? base : fmt::format("{}_{}", base, n), l);
  }
  return out;
}

void Model::save_weights_h5(const std::string& path) const {
  h5::Writer file(path, "save_weights");
  file.group("vars");  // the model's own variables: none
  file.group("layers");
  for (const auto& [group, layer] : h5_layer_groups()) {
    const std::string vars = "layers/" + group + "/vars";
    file.group(vars);
    int i = 0;
    for (const auto& [name, t] : layer->get_weights()) file.dataset(fmt::format("{}/{}", vars, i++), t);
  }
  file.commit();
}

// Everything is checked before anything is assigned, so a file that does not fit leaves the
// model as it was.
void Model::load_weights_h5(const std::string& path) {
  // The file is read whole, so its size is bounded by what this model's weights could need:
  // float32 values (four times over: a Keras file may add optimizer slots) plus HDF5's
  // per-group overhead (a few KB), with room to spare.
  const auto groups = h5_layer_groups();
  const uint64_t max_bytes = (uint64_t{1} << 24) + (uint64_t{1} << 16) * groups.size() +
                             16 * static_cast<uint64_t>(count_params());
  const h5::Reader file(path, "load_weights", max_bytes);
  JANUS_CHECK(file.is_group("layers"), "load_weights: \"{}\" is an HDF5 file but not in Keras 3's .weights.h5 layout: "
              "it has no group \"layers\" (a Keras 2 / tf.keras .h5 keeps layer-named groups at the top or under "
              "\"model_weights\"; janus reads Keras 3's layout)", path);
  std::set<std::string> unused;
  for (const std::string& g : file.children("layers")) unused.insert(g);
  std::vector<std::pair<std::shared_ptr<layers::Layer>, NamedTensors>> staged;
  for (const auto& [group, layer] : groups) {
    const std::string object = "layers/" + group, vars = object + "/vars";
    const NamedTensors want = layer->get_weights();
    const std::string who = fmt::format("load_weights: \"{}\": layer \"{}\" ({}, stored as \"{}\")", path,
                                        layer->name(), layer->class_name(), object);
    if (!unused.count(group)) {
      JANUS_CHECK(want.empty(), "{}: the file has no group \"{}\" but the layer has {}", who, vars,
                  describe_weights(want));
      continue;
    }
    unused.erase(group);
    JANUS_CHECK(file.is_group(vars), "{}: \"{}\" is missing or not a group", who, vars);
    const std::vector<std::string> names = file.children(vars);
    JANUS_CHECK(names.size() == want.size(), "{}: \"{}\" holds {} variables but the layer has {}: {}", who, vars,
                names.size(), want.size(), describe_weights(want));
    NamedTensors got;
    for (size_t i = 0; i < want.size(); ++i) {
      const std::string ds = fmt::format("{}/{}", vars, i);
      const std::optional<h5::Dataset> d = file.dataset(ds);
      JANUS_CHECK(d, "{}: \"{}\" is missing or not a dataset (Keras numbers a layer's variables 0, 1, ...; found: "
                  "{})", who, ds, some_names(names));
      const Shape& expected = want[i].second.shape();
      JANUS_CHECK(d->shape == expected, "{}: \"{}\" has shape {} but {} is {} (Keras layouts: Conv2D kernel (kh, kw, "
                  "in, out), Dense kernel (in, out))", who, ds, tuple_text(d->shape), want[i].first,
                  tuple_text(expected));
      got.emplace_back(want[i].first, file.read(*d));
    }
    staged.emplace_back(layer, std::move(got));
  }
  JANUS_CHECK(unused.empty(), "load_weights: \"{}\" has groups {} under \"layers\" that match no layer of model \"{}\" "
              "(its layers are stored as {}); the file belongs to another model", path,
              some_names(unused), name_, [&] {
                std::vector<std::string> g;
                for (const auto& [group, layer] : h5_layer_groups()) g.push_back(group);
                return fmt::format("{}", fmt::join(g, ", "));
              }());
  for (auto& [layer, weights] : staged)
    if (!weights.empty()) layer->set_weights(weights);
}

}  // namespace janus::keras
