// Sequential::summary() in Keras 3's form, compared character for character with the
// table Keras 3 prints for its "simple MNIST convnet" example (keras.io, 80-column
// terminal), plus the squeezed widths at Keras' widest line (88), wrapped and cut cells,
// and the non-trainable line of a BatchNormalization.
#include <catch2/catch.hpp>

#include <janus/keras/keras.h>

#include "keras_models.h"

using namespace janus;
namespace kl = janus::keras::layers;
using keras::Sequential;

namespace {

Sequential mnist_convnet() {
  return Sequential({kl::Input({28, 28, 1}), kl::Conv2D(32, 3).activation("relu"), kl::MaxPooling2D(2),
                     kl::Conv2D(64, 3).activation("relu"), kl::MaxPooling2D(2), kl::Flatten(), kl::Dropout(0.5),
                     kl::Dense(10).activation("softmax")});
}

}  // namespace

TEST_CASE("keras summary is Keras 3's table for the MNIST convnet", "[keras][summary]") {
  const std::string want = R"(Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, 11, 11, 64)     │        18,496 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_1 (MaxPooling2D)  │ (None, 5, 5, 64)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten (Flatten)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 10)             │        16,010 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 34,826 (136.04 KB)
 Trainable params: 34,826 (136.04 KB)
 Non-trainable params: 0 (0.00 B)
)";
  const Sequential model = mnist_convnet();
  CHECK(model.summary_string() == want);
}

TEST_CASE("keras summary at Keras' widest line squeezes the columns as rich does", "[keras][summary]") {
  // line_length 88 asks 39 / 31 / 18 cells (+2 padding each) of 84: rich takes 3, 4, 3 off.
  const std::string s = mnist_convnet().summary_string(88);
  INFO(s);
  CHECK(s.find("┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃\n") !=
        std::string::npos);
  CHECK(s.find("│ dense (Dense)                        │ (None, 10)                  │          16,010 │\n") !=
        std::string::npos);
  CHECK_THROWS_WITH(mnist_convnet().summary_string(10), Catch::Contains("too narrow"));
}

TEST_CASE("keras summary wraps long cells, cuts what still does not fit, counts BN's frozen half",
          "[keras][summary]") {
  auto bn = std::make_shared<kl::BatchNormalization>();
  bn->set_name("a_very_long_batch_normalization_layer_name");
  const Sequential model({kl::Input({4, 4, 3}), kl::Conv2D(4, 3).padding("same").use_bias(false), bn,
                          kl::ReLU(), kl::MaxPooling2D(2), kl::Flatten(), kl::Dense(2)});
  const std::string s = model.summary_string();
  INFO(s);
  CHECK(s.find("│ batch_normalization             │ (None, 4, 4, 4)        │            16 │\n") == std::string::npos);
  // The name is one 42-character word: cut to 30 characters and an ellipsis; the class
  // name goes to its own line.
  CHECK(s.find("│ a_very_long_batch_normalizatio… │ (None, 4, 4, 4)        │            16 │\n"
               "│ (BatchNormalization)            │                        │               │\n") !=
        std::string::npos);
  CHECK(s.find(" Total params: 158 (632.00 B)\n Trainable params: 150 (600.00 B)\n"
               " Non-trainable params: 8 (32.00 B)\n") != std::string::npos);
  CHECK(s.find("InputLayer") == std::string::npos);
}
