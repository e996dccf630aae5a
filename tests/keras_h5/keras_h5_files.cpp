// The janus side of the h5py check (check_keras_h5.py): `write DIR` saves two models' weights
// as DIR/<model>.weights.h5 and their internal (channels-first) tensors as DIR/<model>.json,
// so the script can check Keras' names, shapes and layouts against what janus holds;
// `read FILE OUT` loads a .weights.h5 that h5py wrote into the Sequential model and dumps its
// internal tensors to OUT; `dump FILE OUT` lists every group and dataset janus' HDF5 reader
// finds in FILE (any layout, not only Keras') with the values as float32, for the script to
// compare with what h5py reads.
#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include <nlohmann/json.hpp>

#include "h5_reader.h"  // frontends/src/keras: the reader itself, for `dump`

#include <fstream>
#include <iostream>

using namespace janus;
namespace kl = janus::keras::layers;

namespace {

keras::Sequential sequential_model() {
  return keras::Sequential({kl::Input({8, 8, 3}), kl::Conv2D(4, 3), kl::BatchNormalization(), kl::ReLU(),
                            kl::MaxPooling2D(2), kl::Flatten(), kl::Dense(2)});
}

// A stem conv named "stem" (Keras stores layers by class: "conv2d"), BN, a 1x1 conv added to
// its input, concatenated with the image, Flatten, Dense.
keras::Model functional_model() {
  auto x = keras::Input({6, 6, 2}, "img");
  auto stem = std::make_shared<kl::Conv2D>(3, 3);
  stem->padding("same");
  stem->set_name("stem");
  auto h = kl::BatchNormalization()((*stem)(x));
  auto y = kl::Concatenate()({kl::Add()({kl::Conv2D(3, 1)(h), h}), x});
  return keras::Model(x, kl::Dense(2)(kl::Flatten()(y)));
}

void randomize(keras::Model& model, uint64_t seed) {
  Generator gen(seed);
  NamedTensors w = model.get_weights();
  for (auto& [n, t] : w)
    t = n.find("variance") != std::string::npos ? uniform(t.shape(), 0.5f, 1.5f, &gen) : randn(t.shape(), &gen);
  model.set_weights(w);
}

nlohmann::json internal_tensors(keras::Model& model) {
  nlohmann::json out = nlohmann::json::object();
  auto add = [&](const NamedTensors& ts) {
    for (const auto& [n, t] : ts) out[n] = {{"shape", t.shape()}, {"data", t.to_vector()}};
  };
  add(model.module().named_parameters());
  add(model.module().named_buffers());
  return out;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path);
  f << j.dump();
  if (!f) throw std::runtime_error("cannot write " + path);
}

// Every object under `group` as {path: null} for a group, {path: {shape, data}} for a
// dataset; `depth` stops a hard-link loop (a group linked into itself).
void dump(const keras::h5::Reader& file, const std::string& group, int depth, nlohmann::json& out) {
  if (depth > 16) throw std::runtime_error("groups nested deeper than 16 under " + group);
  for (const std::string& name : file.children(group)) {
    const std::string object = group.empty() ? name : group + "/" + name;
    if (file.is_group(object)) {
      out[object] = nullptr;
      dump(file, object, depth + 1, out);
    } else if (auto d = file.dataset(object)) {
      out[object] = {{"shape", d->shape}, {"data", file.read(*d).to_vector()}};
    } else {
      out[object] = "neither a group nor a dataset";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc == 3) {
      const std::string dir = argv[2];
      keras::Sequential seq = sequential_model();
      randomize(seq, 1);
      seq.save_weights(dir + "/sequential.weights.h5");
      write_json(dir + "/sequential.json", internal_tensors(seq));
      keras::Model fun = functional_model();
      randomize(fun, 2);
      fun.save_weights(dir + "/functional.weights.h5");
      write_json(dir + "/functional.json", internal_tensors(fun));
      return 0;
    }
    if (mode == "read" && argc == 4) {
      keras::Sequential seq = sequential_model();
      seq.load_weights(argv[2]);
      write_json(argv[3], internal_tensors(seq));
      return 0;
    }
    if (mode == "dump" && argc == 4) {
      const keras::h5::Reader file(argv[2], "dump", uint64_t{1} << 30);
      nlohmann::json out = nlohmann::json::object();
      dump(file, "", 0, out);
      write_json(argv[3], out);
      return 0;
    }
    std::cerr << "usage: keras_h5_files write DIR | read FILE OUT.json | dump FILE OUT.json\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "keras_h5_files: " << e.what() << "\n";
    return 1;
  }
}
