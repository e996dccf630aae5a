// The Keras frontend: building with shape checks and clear errors, fit/evaluate/predict
// with Keras' progress line, callbacks (CSVLogger columns, EarlyStopping, ModelCheckpoint with Keras names, LearningRateScheduler), and
// trainable=false freezing weights and BN statistics.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/random.h>
#include <janus/core/safetensors.h>
#include <janus/keras/keras.h>
#include <janus/training/csv_history.h>

#include "keras_models.h"

#include <cstdio>
#include <sstream>

using namespace janus;
using namespace janus::testing;  // close.h
namespace kl = janus::keras::layers;
using keras::FitOptions;
using keras::Sequential;

using janus::testing::conv_model;
using janus::testing::toy_data;

TEST_CASE("keras add checks shapes and names the layers", "[keras]") {
  Sequential model({kl::Input({8, 8, 3})});
  CHECK_THROWS_WITH(model.add(kl::Dense(4)), Catch::Contains("Dense") && Catch::Contains("(None, 8, 8, 3)") &&
                                                 Catch::Contains("Flatten"));
  CHECK_THROWS_WITH(model.add(kl::Conv2D(4, 9)), Catch::Contains("does not fit"));
  CHECK_THROWS_WITH(model.add(kl::Conv2D(4, 3).padding("full")), Catch::Contains("\"valid\" or \"same\""));
  CHECK_THROWS_WITH(model.add(kl::GroupNormalization(2)), Catch::Contains("groups=2"));
  CHECK_THROWS_WITH(Sequential({kl::Dense(3)}), Catch::Contains("first layer must be Input"));
  model.add(kl::Conv2D(4, 3));
  model.add(kl::Conv2D(6, 3).strides(2));
  CHECK(model.layers()[2]->name() == "conv2d_1");
  CHECK(model.output_shape() == Shape{2, 2, 6});
}

TEST_CASE("keras fit trains through the graph and prints Keras' progress line", "[keras]") {
  manual_seed(7);
  Sequential model = conv_model();
  Tensor x, y, xv, yv;
  toy_data(x, y, 64, 1);
  toy_data(xv, yv, 32, 2);
  CHECK_THROWS_WITH(model.fit(x, y), Catch::Contains("compile"));
  model.compile(keras::optimizers::Adam(0.01), keras::Loss("sparse_categorical_crossentropy").from_logits(true),
                {"accuracy"});
  CHECK_THROWS_WITH(model.fit(x, zeros({64, 2})), Catch::Contains("expects integer labels"));
  CHECK_THROWS_WITH(model.fit(x, full({64}, 5.0f)), Catch::Contains("label 5"));
  std::ostringstream out;
  model.set_output(&out);
  const std::string csv = "test_keras_history.csv";
  auto logger = std::make_shared<keras::callbacks::CSVLogger>(csv);
  const keras::History h =
      model.fit(x, y, FitOptions().epochs(3).batch_size(16).validation_data(xv, yv).verbose(2).callbacks({logger}));
  const std::string text = out.str();
  INFO(text);
  CHECK(text.find("Epoch 1/3\n4/4 - ") != std::string::npos);
  CHECK(text.find("/step - accuracy: ") != std::string::npos);  // Keras 3 sorts the names
  CHECK(text.find(" - loss: ") != std::string::npos);
  CHECK(text.find(" - val_loss: ") != std::string::npos);
  REQUIRE(h.history.at("loss").size() == 3);
  CHECK(h.history.at("loss")[2] < h.history.at("loss")[0]);
  CHECK(h.history.at("val_accuracy")[2] >= 0.9);
  const training::CsvTable t = training::read_csv(csv);
  CHECK(t.columns == std::vector<std::string>{"epoch", "accuracy", "loss", "val_accuracy", "val_loss"});
  CHECK(t.column("epoch") == std::vector<double>{0, 1, 2});
  std::remove(csv.c_str());
  const keras::Logs e = model.evaluate(xv, yv);
  CHECK(e.at("loss") == Approx(h.history.at("val_loss")[2]).epsilon(1e-4));
  CHECK(model.predict(xv, 10).shape() == Shape{32, 2});
}

TEST_CASE("keras trainable false freezes weights and BN statistics", "[keras]") {
  manual_seed(8);
  Sequential model = conv_model();
  auto bn = model.get_layer("batch_normalization");
  bn->set_trainable(false);
  CHECK(model.summary_string().find(" Trainable params: 142 (568.00 B)\n Non-trainable params: 16 (64.00 B)\n") !=
        std::string::npos);
  Tensor x, y;
  toy_data(x, y, 32, 3);
  model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true));
  CHECK(model.graph().dump().find("stats=\"running\"") != std::string::npos);
  // The frozen BN and its ReLU still run as one fused node (compile's fusion pass).
  CHECK(model.graph().dump().find("relu=true") != std::string::npos);
  CHECK(model.graph().dump().find("relu(") == std::string::npos);
  const NamedTensors before = bn->get_weights();
  const NamedTensors conv_before = model.get_layer("conv2d")->get_weights();
  model.fit(x, y, FitOptions().epochs(1).verbose(0));
  const NamedTensors after = bn->get_weights();
  for (size_t i = 0; i < before.size(); ++i) CHECK_THAT(before[i].second, IsIdentical(after[i].second));
  CHECK(max_abs_diff(conv_before[0].second, model.get_layer("conv2d")->get_weights()[0].second) > 0.0f);
}

TEST_CASE("keras callbacks stop early, checkpoint with Keras names and schedule the lr", "[keras]") {
  manual_seed(9);
  Sequential model = conv_model();
  Tensor x, y;
  toy_data(x, y, 32, 4);
  model.compile(keras::optimizers::SGD(0.0), keras::Loss("sparse_categorical_crossentropy").from_logits(true));
  // lr 0: val_loss never improves, so EarlyStopping(patience=2) stops after epoch 2.
  auto stop = std::make_shared<keras::callbacks::EarlyStopping>("val_loss");
  stop->patience(2);
  const std::string path = "test_keras_ckpt.safetensors";
  auto ckpt = std::make_shared<keras::callbacks::ModelCheckpoint>(path);
  ckpt->save_best_only(true);
  std::vector<double> lrs;
  auto sched = std::make_shared<keras::callbacks::LearningRateScheduler>([&](int epoch, double lr) {
    lrs.push_back(lr);
    return 0.0;
  });
  const keras::History h = model.fit(
      x, y, FitOptions().epochs(10).verbose(0).validation_data(x, y).callbacks({stop, ckpt, sched}));
  CHECK(h.epoch.size() == 3);
  CHECK(stop->stopped_epoch() == 2);
  CHECK(ckpt->saves() == 1);
  CHECK(lrs.size() == 3);
  const NamedTensors saved = load_safetensors(path);
  std::remove(path.c_str());
  REQUIRE(saved.size() == 7);
  CHECK(saved[0].first == "conv2d/kernel");
  CHECK(saved[0].second.shape() == Shape{3, 3, 3, 4});  // (kh, kw, in, out)
  CHECK(saved[4].first == "batch_normalization/moving_variance");
  CHECK(saved[5].first == "dense/kernel");
  CHECK(saved[5].second.shape() == Shape{16, 2});  // (in, out)
  // Round trip: the saved Keras layouts load back to the same internal weights.
  Sequential other = conv_model();
  other.set_weights(saved);
  CHECK_THAT(other.get_weights()[0].second, IsIdentical(model.get_weights()[0].second));
}
