// docs/keras.md's snippet, compiled and run here, and shown there verbatim (between the
// markers, without the function body's indent): the Keras 3 pieces of the frontend.
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
  Generator gen(1);
  const Tensor x_train = randn({64, 28, 28, 1}, &gen);
  Tensor y_train = zeros({64});
  for (int64_t i = 0; i < 64; ++i) y_train.data()[i] = static_cast<float>(i % 10);
  const std::string csv_path = dir + "/history.csv";
  // BEGIN KERAS GUIDE (tests/frontends/test_keras_docs.cpp compiles this)
  namespace keras = janus::keras;
  namespace kl = janus::keras::layers;
  keras::Sequential model({kl::Input({28, 28, 1}), kl::Conv2D(32, {3, 3}, "relu").kernel_initializer("he_normal"),
                           kl::MaxPooling2D({2, 2}), kl::Conv2D(64, 3).activation("relu"), kl::MaxPooling2D(2),
                           kl::Lambda([](const janus::Tensor& x) { return x * 0.5f; }),  // any janus ops
                           kl::Flatten(), kl::Dropout(0.5), kl::Dense(10, "softmax")});
  model.summary(out);  // Keras 3's box table, "Total params: 34,826 (136.04 KB)"
  model.compile("adam", "categorical_crossentropy", {"accuracy"});  // softmax output: from_logits false
  const janus::Tensor y_onehot = keras::utils::to_categorical(y_train, 10);
  auto csv = std::make_shared<keras::callbacks::CSVLogger>(csv_path);  // full-precision values
  auto ckpt = std::make_shared<keras::callbacks::ModelCheckpoint>(dir + "/m.{epoch:02d}-{val_loss:.2f}.safetensors");
  auto plateau = std::make_shared<keras::callbacks::ReduceLROnPlateau>("val_loss");  // factor 0.1, patience 10
  auto nan_stop = std::make_shared<keras::callbacks::TerminateOnNaN>();
  model.set_output(&out);  // fit's Keras 3 progress line: "2/2 ━━━━━━━━━━━━━━━━━━━━ 1s 40ms/step - accuracy: ..."
  model.fit(x_train, y_onehot, keras::FitOptions().epochs(2).batch_size(32).validation_split(0.25)
                                   .callbacks({csv, ckpt, plateau, nan_stop}));
  const keras::Scores score = model.evaluate(x_train, y_onehot);  // the loss, then the metrics
  out << "Test loss: " << score[0] << ", accuracy: " << score.at("accuracy") << "\n";
  // END KERAS GUIDE
  return model.summary_string();
}

}  // namespace

TEST_CASE("docs/keras.md's snippet compiles, runs and is shown verbatim", "[keras][docs]") {
  testing::TempDir dir;
  std::ostringstream out;
  const std::string summary = run_snippet(dir.str(), out);
  CHECK(summary.find(" Total params: 34,826 (136.04 KB)\n") != std::string::npos);
  CHECK(out.str().find("Epoch 2/2\n") != std::string::npos);
  CHECK(out.str().find(" - val_loss: ") != std::string::npos);  // validation_split
  CHECK(out.str().find("Test loss: ") != std::string::npos);
  const std::string source = slurp(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_keras_docs.cpp");
  const std::string docs = slurp(std::string(JANUS_GOLDEN_DIR) + "/../../docs/keras.md");
  const std::string begin = "// BEGIN KERAS GUIDE", end = "// END KERAS GUIDE";
  const size_t b = source.find(begin);
  const size_t e = source.find(end, b);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string block, line;
  std::istringstream lines(source.substr(b - 2, e + end.size() - b + 2));
  while (std::getline(lines, line)) block += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  CHECK(docs.find(block) != std::string::npos);
}
