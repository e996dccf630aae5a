// The Keras functional API: keras::Input, layer(x), keras::Model(inputs, outputs), Add and
// Concatenate. A small ResNet against PyTorch goldens (tests/golden/gen_keras_functional.py),
// a functional chain against the same Sequential (same graph dump, same numbers), the merge
// layers' gradients, shared layers, several inputs and outputs.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/keras.h>
#include <janus/layers/conv.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>

#include <close.h>
#include <fixtures.h>
#include <gradcheck.h>

using namespace janus;
using namespace janus::testing;
namespace kl = janus::keras::layers;

namespace {

// The golden network: conv-bn-relu-conv-bn + identity skip (Add), relu, Concatenate with the
// input, max pooling, Flatten, Dense.
keras::Model resnet_block() {
  auto x = keras::Input({6, 6, 4});
  auto h = kl::Conv2D(4, {3, 3}).padding("same").use_bias(false)(x);
  h = kl::BatchNormalization()(h);
  h = kl::ReLU()(h);
  h = kl::Conv2D(4, {3, 3}).padding("same").use_bias(false)(h);
  h = kl::BatchNormalization()(h);
  h = kl::ReLU()(kl::Add()({h, x}));
  auto c = kl::Concatenate()({h, x});
  auto y = kl::Dense(3)(kl::Flatten()(kl::MaxPooling2D(2)(c)));
  return keras::Model(x, y, "resnet_block");
}

Tensor grad_of(keras::Model& model, const std::string& name) {
  const auto slash = name.find('/');
  const std::string layer = name.substr(0, slash), weight = name.substr(slash + 1);
  const auto m = model.get_layer(layer)->module();
  if (weight == "kernel" && std::dynamic_pointer_cast<nn::Conv2d>(m))
    return permute(std::static_pointer_cast<nn::Conv2d>(m)->weight.grad(), {2, 3, 1, 0});  // (kh, kw, in, out)
  if (weight == "kernel") return transpose(std::static_pointer_cast<nn::Linear>(m)->weight.grad(), 0, 1);
  if (weight == "bias") return std::static_pointer_cast<nn::Linear>(m)->bias.grad();
  const auto bn = std::static_pointer_cast<nn::BatchNorm>(m);
  return weight == "gamma" ? bn->weight.grad() : bn->bias.grad();
}

}  // namespace

TEST_CASE("functional ResNet block: names, shapes and PyTorch's numbers in inference and training", "[keras][functional]") {
  const Fixture f = Fixture::load("keras_functional.json");
  keras::Model model = resnet_block();
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l->name());
  // Keras' order: by depth from the output; the skip input is the deepest.
  CHECK(names == std::vector<std::string>{"input_layer", "conv2d", "batch_normalization", "re_lu", "conv2d_1",
                                          "batch_normalization_1", "add", "re_lu_1", "concatenate",
                                          "max_pooling2d", "flatten", "dense"});
  CHECK(model.output_shape() == Shape{3});
  CHECK(model.get_layer("concatenate")->output_shape() == Shape{6, 6, 8});
  NamedTensors w;
  for (const char* n : {"conv2d/kernel", "conv2d_1/kernel", "batch_normalization/gamma", "batch_normalization/beta",
                        "batch_normalization/moving_mean", "batch_normalization/moving_variance",
                        "batch_normalization_1/gamma", "batch_normalization_1/beta",
                        "batch_normalization_1/moving_mean", "batch_normalization_1/moving_variance",
                        "dense/kernel", "dense/bias"})
    w.emplace_back(n, f.tensor(n));
  model.set_weights(w);
  const Tensor x = f.tensor("x");
  // Depth: a 3x3x4 conv (36 terms) twice, BN over 108 values, a 72-term Dense.
  const Tol tol = accumulation(256);
  CHECK_THAT(model.predict(x), IsClose(f.tensor("y_eval"), tol));

  const Tensor y = model(x, true);
  CHECK_THAT(y, IsClose(f.tensor("y_train"), tol));
  Tensor loss = mse_loss(y, f.tensor("target"));
  CHECK_THAT(loss.item(), IsCloseTo(f.value("loss"), tol));
  loss.backward();
  for (const char* n : {"conv2d/kernel", "conv2d_1/kernel", "batch_normalization/gamma", "batch_normalization/beta",
                        "batch_normalization_1/gamma", "batch_normalization_1/beta", "dense/kernel", "dense/bias"}) {
    INFO(n);
    CHECK_THAT(grad_of(model, n), IsClose(f.tensor(std::string(n) + ".grad"), accumulation(1024)));
  }
  // The training call moved the moving statistics as Keras does (momentum 0.99 on the old value).
  const NamedTensors after = model.get_weights();
  for (const auto& [n, t] : after) {
    if (n.find("moving_") == std::string::npos) continue;
    INFO(n);
    CHECK_THAT(t, IsClose(f.tensor(n + ".after"), tol));
  }
}

TEST_CASE("functional ResNet trains with compile/fit/evaluate and its loss falls", "[keras][functional]") {
  keras::Model model = resnet_block();
  Generator gen(3);
  const Tensor x = randn({16, 6, 6, 4}, &gen);
  Tensor y = zeros({16});
  for (int64_t i = 0; i < 16; ++i) y.data()[i] = static_cast<float>(i % 3);
  model.compile(keras::optimizers::Adam(0.01), keras::Loss("sparse_categorical_crossentropy").from_logits(true),
                {"accuracy"});
  const double before = model.evaluate(x, y)[0];
  const keras::History h = model.fit(x, y, keras::FitOptions().epochs(8).batch_size(8).verbose(0));
  CHECK(h.history.at("loss").size() == 8);
  CHECK(model.evaluate(x, y)[0] < before);
}

TEST_CASE("a functional chain is the Sequential: same graph dump, parameters and numbers", "[keras][functional]") {
  auto build_seq = [] {
    return keras::Sequential({kl::Input({5, 5, 2}), kl::Conv2D(3, 3).padding("same"), kl::BatchNormalization(),
                              kl::ReLU(), kl::Flatten(), kl::Dense(4)});
  };
  keras::Sequential seq = build_seq();
  auto x = keras::Input({5, 5, 2});
  auto h = kl::Conv2D(3, 3).padding("same")(x);
  h = kl::ReLU()(kl::BatchNormalization()(h));
  keras::Model fun(x, kl::Dense(4)(kl::Flatten()(h)), "sequential");
  CHECK(fun.count_params() == seq.count_params());
  fun.set_weights(seq.get_weights());
  CHECK(fun.graph().dump() == seq.graph().dump());
  CHECK(fun.graph().hash() == seq.graph().hash());
  Generator gen(5);
  const Tensor in = randn({4, 5, 5, 2}, &gen);
  CHECK_THAT(fun.predict(in), IsIdentical(seq.predict(in)));
  CHECK_THAT(fun(in, true), IsIdentical(seq(in, true)));
  // A keras::Input tensor also starts a Sequential, as in Keras.
  keras::Sequential from_tensor({keras::Input({5, 5, 2}), kl::Flatten()});
  CHECK(from_tensor.output_shape() == Shape{50});
}

TEST_CASE("Add and Concatenate: values, axes and gradients", "[keras][functional][gradcheck]") {
  Generator gen(7);
  const Tensor a = randn({2, 3, 4, 2}, &gen), b = randn({2, 3, 4, 2}, &gen), c = randn({2, 3, 4, 3}, &gen);
  {
    auto ia = keras::Input({3, 4, 2}), ib = keras::Input({3, 4, 2});
    keras::Model sum_model({ia, ib}, kl::Add()({ia, ib}));
    CHECK(sum_model.output_shape() == Shape{3, 4, 2});
    CHECK_THAT(sum_model.predict(std::vector<Tensor>{a, b})[0], IsIdentical(a + b));
    const GradcheckResult r = gradcheck([&](const std::vector<Tensor>& in) { return sum_model(in)[0]; }, {a, b});
    CHECK(r.ok);
    INFO(r.message);
  }
  // Keras' axes count the batch: -1 and 3 are channels, 1 height, 2 width.
  for (int64_t axis : {-1, 3, 1, 2}) {
    INFO("axis " << axis);
    const Tensor other = axis == 1 ? randn({2, 2, 4, 2}, &gen) : axis == 2 ? randn({2, 3, 5, 2}, &gen) : c;
    Shape other_shape(other.shape().begin() + 1, other.shape().end());
    auto ia = keras::Input({3, 4, 2}), ib = keras::Input(other_shape);
    keras::Model cat_model({ia, ib}, kl::Concatenate(axis)({ia, ib}));
    const int64_t nhwc_axis = axis < 0 ? 3 : axis;
    const Tensor want = concat({a, other}, nhwc_axis);
    CHECK(cat_model.output_shape() == Shape(want.shape().begin() + 1, want.shape().end()));
    CHECK_THAT(cat_model.predict(std::vector<Tensor>{a, other})[0], IsIdentical(want));
    const GradcheckResult r = gradcheck([&](const std::vector<Tensor>& in) { return cat_model(in)[0]; }, {a, other});
    INFO(r.message);
    CHECK(r.ok);
  }
  // Flat features: Concatenate() of (4) and (3) is (7); three inputs to Add.
  const Tensor p = randn({3, 4}, &gen), q = randn({3, 3}, &gen);
  auto ip = keras::Input({4}), iq = keras::Input({3});
  keras::Model flat({ip, iq}, kl::Concatenate()({ip, iq}));
  CHECK_THAT(flat.predict(std::vector<Tensor>{p, q})[0], IsIdentical(concat({p, q}, 1)));
  auto i3 = keras::Input({4});
  keras::Model add3(i3, kl::Add()({i3, i3, i3}));
  CHECK_THAT(add3.predict(p), IsIdentical(p + p + p));
  // Through layers on both sides of a merge: gradients w.r.t. the input.
  auto xi = keras::Input({4, 4, 2});
  auto conv = kl::Conv2D(2, 3).padding("same")(xi);
  keras::Model block(xi, kl::Dense(2)(kl::Flatten()(kl::Concatenate()({kl::Add()({conv, xi}), xi}))));
  const GradcheckResult r =
      gradcheck([&](const std::vector<Tensor>& in) { return block(in[0]); }, {randn({2, 4, 4, 2}, &gen)});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("a layer called twice shares its weights, as in Keras", "[keras][functional]") {
  auto x1 = keras::Input({3}), x2 = keras::Input({3});
  kl::Dense dense(2);  // called by value twice: one copy in the graph, remembered by `dense`
  auto y = kl::Add()({dense(x1), dense(x2)});
  keras::Model model({x1, x2}, y);
  CHECK(model.count_params() == 3 * 2 + 2);
  const NamedTensors w = model.get_weights();
  REQUIRE(w.size() == 2);
  CHECK(w[0].first == "dense/kernel");
  Generator gen(9);
  const Tensor a = randn({4, 3}, &gen), b = randn({4, 3}, &gen);
  const Tensor kernel = w[0].second, bias = w[1].second;
  const Tensor want = (matmul(a, kernel) + bias) + (matmul(b, kernel) + bias);
  // Each side sums 3 products and a bias, then the two are added: 8 terms, in the GEMM
  // kernel's order in the model and matmul's here.
  CHECK_THAT(model.predict(std::vector<Tensor>{a, b})[0], IsClose(want, accumulation(8)));
  // Through a shared_ptr, the same; on one input twice (Dense(3) applied two times).
  auto shared = std::make_shared<kl::Dense>(3);
  auto x = keras::Input({3});
  keras::Model twice(x, (*shared)((*shared)(x)));
  CHECK(twice.count_params() == 3 * 3 + 3);
  CHECK(twice.layers().size() == 2);
  twice.compile("sgd", "mse");
  const Tensor t = randn({4, 3}, &gen);
  const double before = twice.evaluate(t, zeros({4, 3}))[0];
  twice.fit(t, zeros({4, 3}), keras::FitOptions().epochs(3).verbose(0));
  CHECK(twice.evaluate(t, zeros({4, 3}))[0] < before);
}

TEST_CASE("several inputs and outputs: predict returns every output", "[keras][functional]") {
  auto a = keras::Input({2, 2, 1}, "image"), b = keras::Input({3}, "features");
  auto img = kl::Flatten()(a);
  auto both = kl::Concatenate()({img, b});
  auto out1 = kl::Dense(2)(both);
  keras::Model model({a, b}, {out1, img}, "two_heads");
  CHECK(model.get_layer("image") != nullptr);
  CHECK(model.input_shapes() == std::vector<Shape>{{2, 2, 1}, {3}});
  CHECK(model.output_shapes() == std::vector<Shape>{{2}, {4}});
  Generator gen(11);
  const Tensor xa = randn({5, 2, 2, 1}, &gen), xb = randn({5, 3}, &gen);
  const std::vector<Tensor> out = model.predict(std::vector<Tensor>{xa, xb}, 2);
  REQUIRE(out.size() == 2);
  CHECK_THAT(out[1], IsIdentical(xa.reshape({5, 4})));
  CHECK(out[0].shape() == Shape{5, 2});
  CHECK_THROWS_WITH(model.compile("sgd", "mse"), Catch::Contains("has 2 inputs and 2 outputs"));
}
