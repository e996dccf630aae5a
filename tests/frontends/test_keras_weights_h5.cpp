// save_weights / load_weights / ModelCheckpoint with "*.weights.h5": Keras 3's HDF5 layout,
// written through Debian's libhdf5 and read by janus' own HDF5 parser. Round trips
// (Sequential and functional), atomic writes, other .h5 names refused, and damaged or foreign
// files: a janus::Error naming the file and the object, never a crash, nothing on stderr.
// (tests/keras_h5/check_keras_h5.py checks the same files with h5py.)
#include <catch2/catch.hpp>

#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include <close.h>

#include "keras_models.h"
#include "temp_dir.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace janus;
using namespace janus::testing;
namespace kl = janus::keras::layers;
using Catch::Contains;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Runs `f` with stderr sent to a file and returns what was written there.
template <typename F>
std::string stderr_of(F&& f) {
  TempDir dir("janus_stderr");
  const std::string file = dir.file("err.txt");
  std::fflush(stderr);
  const int saved = dup(2);
  FILE* sink = std::fopen(file.c_str(), "w");
  dup2(fileno(sink), 2);
  try {
    f();
  } catch (...) {
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::fclose(sink);
    throw;
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::fclose(sink);
  return slurp(file);
}

keras::Model functional_model() {
  auto x = keras::Input({6, 6, 2});
  auto stem = std::make_shared<kl::Conv2D>(3, 3);
  stem->padding("same");
  stem->set_name("stem");  // stored by class as "conv2d", as Keras stores it
  auto h = kl::BatchNormalization()((*stem)(x));
  auto y = kl::Concatenate()({kl::Add()({kl::Conv2D(3, 1)(h), h}), x});
  return keras::Model(x, kl::Dense(2)(kl::Flatten()(y)));
}

void randomize(keras::Model& model, uint64_t seed) {
  Generator gen(seed);
  NamedTensors w = model.get_weights();
  for (auto& [n, t] : w) t = n.find("variance") != std::string::npos ? uniform(t.shape(), 0.5f, 1.5f, &gen) : randn(t.shape(), &gen);
  model.set_weights(w);
}

void check_same_weights(const keras::Model& a, const keras::Model& b) {
  const NamedTensors wa = a.get_weights(), wb = b.get_weights();
  REQUIRE(wa.size() == wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    INFO(wa[i].first);
    CHECK(wa[i].first == wb[i].first);
    CHECK_THAT(wb[i].second, IsIdentical(wa[i].second));
  }
}

}  // namespace

TEST_CASE("weights.h5 round trip: Sequential and functional models, same weights and outputs", "[keras][h5]") {
  TempDir dir;
  {
    keras::Sequential a = conv_model(), b = conv_model();
    randomize(a, 1);
    a.save_weights(dir.file("seq.weights.h5"));
    CHECK(slurp(dir.file("seq.weights.h5")).substr(0, 8) == "\x89HDF\r\n\x1a\n");
    b.load_weights(dir.file("seq.weights.h5"));
    check_same_weights(a, b);
    Generator gen(2);
    const Tensor x = randn({3, 4, 4, 3}, &gen);
    CHECK_THAT(b.predict(x), IsIdentical(a.predict(x)));
  }
  {
    keras::Model a = functional_model(), b = functional_model();
    randomize(a, 3);
    a.save_weights(dir.file("fun.weights.h5"));
    b.load_weights(dir.file("fun.weights.h5"));
    check_same_weights(a, b);
  }
  // Written atomically: only the two files are left in the folder.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.str())) files += e.is_regular_file();
  CHECK(files == 2);
}

TEST_CASE("ModelCheckpoint writes Keras' .weights.h5 under a formatted name", "[keras][h5]") {
  TempDir dir;
  keras::Sequential model = conv_model();
  Tensor x, y;
  toy_data(x, y, 8, 4);
  model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true));
  auto ckpt = std::make_shared<keras::callbacks::ModelCheckpoint>(dir.file("m.{epoch:02d}.weights.h5"), "loss");
  model.fit(x, y, keras::FitOptions().epochs(2).verbose(0).callbacks({ckpt}));
  CHECK(ckpt->saves() == 2);
  keras::Sequential other = conv_model();
  other.load_weights(dir.file("m.02.weights.h5"));
  check_same_weights(model, other);
}

TEST_CASE("other HDF5 and Keras names are refused, safetensors stays for the rest", "[keras][h5]") {
  TempDir dir;
  keras::Sequential model = conv_model();
  for (const char* name : {"model.h5", "model.hdf5", "model.keras"}) {
    CHECK_THROWS_WITH(model.save_weights(dir.file(name)), Contains("*.weights.h5"));
    CHECK_THROWS_WITH(model.load_weights(dir.file(name)), Contains("*.weights.h5"));
  }
  model.save_weights(dir.file("model.safetensors"));
  CHECK(slurp(dir.file("model.safetensors")).substr(0, 8) != "\x89HDF\r\n\x1a\n");
  CHECK_NOTHROW(model.load_weights(dir.file("model.safetensors")));
}

TEST_CASE("a truncated or foreign .weights.h5 is a janus::Error naming the file, and HDF5 prints nothing", "[keras][h5]") {
  TempDir dir;
  keras::Sequential model = conv_model();
  randomize(model, 5);
  const std::string good = dir.file("good.weights.h5");
  model.save_weights(good);
  const std::string bytes = slurp(good);
  const NamedTensors before = model.get_weights();
  // Every cut of the file: an error (or, past the last byte HDF5 needs, a full load), never
  // a crash, and the model untouched by a failed load.
  const std::string cut = dir.file("cut.weights.h5");
  for (size_t len : {size_t(0), size_t(4), size_t(8), size_t(100), size_t(512), bytes.size() / 4, bytes.size() / 2,
                     bytes.size() - 100, bytes.size() - 1}) {
    INFO("length " << len << " of " << bytes.size());
    spit(cut, bytes.substr(0, len));
    keras::Sequential fresh = conv_model();
    const NamedTensors fresh_before = fresh.get_weights();
    const std::string err = stderr_of([&] {
      try {
        fresh.load_weights(cut);
        FAIL("a truncated file loaded");
      } catch (const Error& e) {
        CHECK_THAT(e.what(), Contains("load_weights") && Contains(cut));
      }
    });
    CHECK(err.empty());
    const NamedTensors after = fresh.get_weights();
    for (size_t i = 0; i < after.size(); ++i) CHECK_THAT(after[i].second, IsIdentical(fresh_before[i].second));
  }
  spit(cut, bytes.substr(0, 100));
  CHECK_THROWS_WITH(model.load_weights(cut), Contains("is not a readable HDF5 file"));
  spit(cut, "not hdf5 at all");
  CHECK_THROWS_WITH(model.load_weights(cut), Contains("is not an HDF5 file"));
  CHECK_THROWS_WITH(model.load_weights(dir.file("missing.weights.h5")), Contains("missing.weights.h5"));
  // A file far larger than this model's weights could need is refused before it is read.
  spit(cut, bytes + std::string(size_t{20} << 20, '\0'));
  CHECK_THROWS_WITH(model.load_weights(cut), Contains("byte limit"));
  // An HDF5 file of another model: the message names the object and both shapes.
  keras::Sequential wider({kl::Input({4, 4, 3}), kl::Conv2D(5, 3).padding("same").use_bias(false),
                           kl::BatchNormalization(), kl::ReLU(), kl::MaxPooling2D(2), kl::Flatten(), kl::Dense(2)});
  wider.save_weights(dir.file("wider.weights.h5"));
  CHECK_THROWS_WITH(model.load_weights(dir.file("wider.weights.h5")),
                    Contains("\"layers/conv2d/vars/0\" has shape (3, 3, 3, 5) but kernel is (3, 3, 3, 4)"));
  keras::Model fun = functional_model();
  fun.save_weights(dir.file("fun.weights.h5"));
  CHECK_THROWS_WITH(model.load_weights(dir.file("fun.weights.h5")),
                    Contains("\"layers/conv2d/vars\" holds 2 variables but the layer has 1: 0 kernel (3, 3, 3, 4)"));
  keras::Sequential headless({kl::Input({4, 4, 3}), kl::Conv2D(4, 3).padding("same").use_bias(false),
                              kl::BatchNormalization(), kl::ReLU(), kl::MaxPooling2D(2), kl::Flatten()});
  CHECK_THROWS_WITH(headless.load_weights(good), Contains("has groups \"dense\" under \"layers\" that match no layer"));
  // The model is as it was after all these failures.
  const NamedTensors after = model.get_weights();
  for (size_t i = 0; i < after.size(); ++i) CHECK_THAT(after[i].second, IsIdentical(before[i].second));
}

// The shape of the crash fuzzing found in libhdf5 1.10.8 (H5Dopen2 -> H5O_shared_decode ->
// H5SM_get_fheap_addr reading address 0): a dataset whose datatype message claims to be
// shared. janus' file has version 1 object headers; a message there is type (2), size (2),
// flags (1), reserved (3), then its body, and a float32 LE datatype body starts with class 1
// version 1 (0x11), bit fields 0x20 0x1f 0x00 and size 4.
TEST_CASE("a .weights.h5 whose datatype message claims to be shared is refused, the model untouched", "[keras][h5]") {
  TempDir dir;
  keras::Sequential model = conv_model();
  randomize(model, 11);
  const std::string good = dir.file("good.weights.h5");
  model.save_weights(good);
  const std::string bytes = slurp(good);
  const std::string body("\x11\x20\x1f\x00\x04\x00\x00\x00", 8);
  const size_t at = bytes.find(body);
  REQUIRE(at != std::string::npos);
  REQUIRE(at >= 8);
  REQUIRE(bytes.compare(at - 8, 2, std::string("\x03\x00", 2)) == 0);  // message type 0x0003: datatype
  const size_t flags = at - 4;
  REQUIRE((bytes[flags] & 0x02) == 0);
  keras::Sequential other = conv_model();
  randomize(other, 12);
  const NamedTensors before = other.get_weights();
  // The flag alone, and the flag with the body rewritten as libhdf5 would decode a reference
  // into the shared message heap (shared message version 3, type 1 "in the heap", an 8-byte id).
  std::string flagged = bytes;
  flagged[flags] = static_cast<char>(flagged[flags] | 0x02);
  std::string heap_ref = flagged;
  heap_ref.replace(at, 10, std::string("\x03\x01\x07\x00\x00\x00\x00\x00\x00\x00", 10));
  for (const std::string& damaged : {flagged, heap_ref}) {
    const std::string path = dir.file("shared.weights.h5");
    spit(path, damaged);
    const std::string err = stderr_of([&] {
      try {
        other.load_weights(path);
        FAIL("a shared datatype message was read");
      } catch (const Error& e) {
        CHECK_THAT(e.what(), Contains("load_weights") && Contains(path) && Contains("shared") &&
                             Contains("datatype message") && Contains("layers/"));
      }
    });
    CHECK(err.empty());
    const NamedTensors after = other.get_weights();
    for (size_t i = 0; i < after.size(); ++i) CHECK_THAT(after[i].second, IsIdentical(before[i].second));
  }
}
