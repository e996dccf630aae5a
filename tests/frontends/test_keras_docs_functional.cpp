// docs/keras.md's functional API snippet, compiled and run here, and shown there verbatim
// (between the markers, without the function body's indent): a small ResNet with
// keras::Input, layer(x), Add, Concatenate and keras::Model, saved as Keras 3's .weights.h5.
#include <catch2/catch.hpp>

#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include "temp_dir.h"

#include <fstream>
#include <sstream>

using namespace janus;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string run_snippet(const std::string& dir, std::ostream& out) {
  Generator gen(2);
  const Tensor x_train = randn({32, 16, 16, 3}, &gen);
  Tensor y_train = zeros({32});
  for (int64_t i = 0; i < 32; ++i) y_train.data()[i] = static_cast<float>(i % 10);
  // BEGIN KERAS FUNCTIONAL (tests/frontends/test_keras_docs_functional.cpp compiles this)
  namespace keras = janus::keras;
  namespace kl = janus::keras::layers;
  // conv-bn-relu-conv-bn, the identity skip added, then relu: a residual block.
  auto residual_block = [](keras::KerasTensor x, int64_t filters) {
    auto h = kl::Conv2D(filters, {3, 3}).padding("same").use_bias(false)(x);
    h = kl::ReLU()(kl::BatchNormalization()(h));
    h = kl::Conv2D(filters, {3, 3}).padding("same").use_bias(false)(h);
    h = kl::BatchNormalization()(h);
    return kl::ReLU()(kl::Add()({h, x}));
  };
  auto inputs = keras::Input({16, 16, 3}, "img");
  auto x = kl::Conv2D(16, {3, 3}, "relu").padding("same")(inputs);
  x = residual_block(x, 16);
  x = residual_block(x, 16);
  auto pooled = kl::Concatenate()({kl::GlobalAveragePooling2D()(x), kl::GlobalAveragePooling2D()(inputs)});
  auto outputs = kl::Dense(10, "softmax")(pooled);
  keras::Model model(inputs, outputs, "small_resnet");
  model.summary(out);  // Keras 3's table with the "Connected to" column
  model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
  model.set_output(&out);
  model.fit(x_train, y_train, keras::FitOptions().epochs(2).batch_size(16));
  out << "accuracy: " << model.evaluate(x_train, y_train).at("accuracy") << "\n";
  model.save_weights(dir + "/small_resnet.weights.h5");  // Keras 3's HDF5 layout: Keras' load_weights reads it
  model.load_weights(dir + "/small_resnet.weights.h5");
  // END KERAS FUNCTIONAL
  return model.summary_string();
}

}  // namespace

TEST_CASE("docs/keras.md's functional snippet compiles, runs and is shown verbatim", "[keras][docs][functional]") {
  testing::TempDir dir;
  std::ostringstream out;
  const std::string summary = run_snippet(dir.str(), out);
  INFO(summary);
  CHECK(summary.find("│ img (InputLayer)    │") != std::string::npos);
  CHECK(summary.find("│ add (Add)           │ (None, 16, 16,    │          0 │ batch_normalizat… │") !=
        std::string::npos);
  CHECK(summary.find("concatenate") != std::string::npos);
  CHECK(out.str().find("Epoch 2/2\n") != std::string::npos);
  CHECK(out.str().find("accuracy: ") != std::string::npos);
  CHECK(slurp(dir.file("small_resnet.weights.h5")).substr(0, 4) == "\x89HDF");
  const std::string source = slurp(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_keras_docs_functional.cpp");
  const std::string docs = slurp(std::string(JANUS_GOLDEN_DIR) + "/../../docs/keras.md");
  const std::string begin = "// BEGIN KERAS FUNCTIONAL", end = "// END KERAS FUNCTIONAL";
  const size_t b = source.find(begin);
  const size_t e = source.find(end, b);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string block, line;
  std::istringstream lines(source.substr(b - 2, e + end.size() - b + 2));
  while (std::getline(lines, line)) block += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  CHECK(docs.find(block) != std::string::npos);
}
