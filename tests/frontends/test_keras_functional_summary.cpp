// summary() of functional models in Keras 3's form: the "toy_resnet" of Keras 3's functional
// API guide (keras-io guides/functional_api, Keras 3 output) character for character, with
// its "Connected to" column, InputLayer row, wrapped and cut cells; a chain keeps Keras'
// three columns but lists its InputLayer; a shared layer lists every call it serves.
#include <catch2/catch.hpp>

#include <janus/keras/keras.h>

using namespace janus;
namespace kl = janus::keras::layers;

namespace {

// A layer with the name the Keras guide's session gave it.
template <typename L>
std::shared_ptr<L> named(L layer, const char* name) {
  auto p = std::make_shared<L>(layer);
  p->set_name(name);
  return p;
}

}  // namespace

TEST_CASE("functional summary is Keras 3's table for the functional API guide's toy ResNet", "[keras][summary][functional]") {
  auto inputs = keras::Input({32, 32, 3}, "img");
  auto x = (*named(kl::Conv2D(32, 3, "relu"), "conv2d_8"))(inputs);
  x = (*named(kl::Conv2D(64, 3, "relu"), "conv2d_9"))(x);
  auto block_1_output = (*named(kl::MaxPooling2D(3), "max_pooling2d_2"))(x);
  x = (*named(kl::Conv2D(64, 3, "relu").padding("same"), "conv2d_10"))(block_1_output);
  x = (*named(kl::Conv2D(64, 3, "relu").padding("same"), "conv2d_11"))(x);
  auto block_2_output = kl::Add()({x, block_1_output});
  x = (*named(kl::Conv2D(64, 3, "relu").padding("same"), "conv2d_12"))(block_2_output);
  x = (*named(kl::Conv2D(64, 3, "relu").padding("same"), "conv2d_13"))(x);
  auto block_3_output = kl::Add()({x, block_2_output});
  x = (*named(kl::Conv2D(64, 3, "relu"), "conv2d_14"))(block_3_output);
  x = kl::GlobalAveragePooling2D()(x);
  x = (*named(kl::Dense(256, "relu"), "dense_6"))(x);
  x = kl::Dropout(0.5)(x);
  auto outputs = (*named(kl::Dense(10), "dense_7"))(x);
  keras::Model model(inputs, outputs, "toy_resnet");
  const std::string want = R"(Model: "toy_resnet"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ img (InputLayer)    │ (None, 32, 32, 3) │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_8 (Conv2D)   │ (None, 30, 30,    │        896 │ img[0][0]         │
│                     │ 32)               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_9 (Conv2D)   │ (None, 28, 28,    │     18,496 │ conv2d_8[0][0]    │
│                     │ 64)               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ max_pooling2d_2     │ (None, 9, 9, 64)  │          0 │ conv2d_9[0][0]    │
│ (MaxPooling2D)      │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_10 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ max_pooling2d_2[… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_11 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ conv2d_10[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 9, 9, 64)  │          0 │ conv2d_11[0][0],  │
│                     │                   │            │ max_pooling2d_2[… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_12 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ add[0][0]         │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_13 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ conv2d_12[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add_1 (Add)         │ (None, 9, 9, 64)  │          0 │ conv2d_13[0][0],  │
│                     │                   │            │ add[0][0]         │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_14 (Conv2D)  │ (None, 7, 7, 64)  │     36,928 │ add_1[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ global_average_poo… │ (None, 64)        │          0 │ conv2d_14[0][0]   │
│ (GlobalAveragePool… │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_6 (Dense)     │ (None, 256)       │     16,640 │ global_average_p… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dropout (Dropout)   │ (None, 256)       │          0 │ dense_6[0][0]     │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_7 (Dense)     │ (None, 10)        │      2,570 │ dropout[0][0]     │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 223,242 (872.04 KB)
 Trainable params: 223,242 (872.04 KB)
 Non-trainable params: 0 (0.00 B)
)";
  CHECK(model.summary_string() == want);
}

TEST_CASE("functional summary: a chain has three columns and its InputLayer; shared layers list each call", "[keras][summary][functional]") {
  auto x = keras::Input({4});
  keras::Model chain(x, kl::Dense(2)(kl::Dense(3)(x)), "chain");
  const std::string s = chain.summary_string();
  INFO(s);
  CHECK(s.find("Connected to") == std::string::npos);
  CHECK(s.find("│ input_layer (InputLayer)        │ (None, 4)              │             0 │\n") != std::string::npos);
  CHECK(s.find("│ dense_1 (Dense)                 │ (None, 2)              │             8 │\n") != std::string::npos);
  CHECK(s.find(" Total params: 23 (92.00 B)\n") != std::string::npos);

  auto a = keras::Input({3}), b = keras::Input({3});
  auto shared = std::make_shared<kl::Dense>(2);
  keras::Model siamese({a, b}, kl::Concatenate()({(*shared)(a), (*shared)(b)}), "siamese");
  const std::string t = siamese.summary_string(108);  // Keras' default width for this table
  INFO(t);
  CHECK(t.find("Connected to") != std::string::npos);
  // The shared Dense's two calls: wrapped after the comma, as rich wraps words.
  CHECK(t.find("│ input_layer[0][0],         │\n") != std::string::npos);
  CHECK(t.find("│ input_layer_1[0][0]        │\n") != std::string::npos);
  CHECK(t.find("│ dense[0][0], dense[1][0] ") != std::string::npos);
  CHECK(siamese.count_params() == 8);
}
