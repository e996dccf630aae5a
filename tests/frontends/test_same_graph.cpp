// THE proof of "one graph, two frontends": the benchmark CNN of
// /work/shared/reference/torch_cifar_bench.py (bn variant) built with the torch frontend and
// with the Keras frontend gives the same canonical graph once the real differences are
// accounted for explicitly, the same parameter count, and -- with the same weights -- the
// same outputs, loss and gradients.
//
// The real differences, each visible in the graph rather than hidden:
//  * Keras is channels-last: its graph has a permute node at the input and one before
//    Flatten (Keras flattens in (H, W, C) order). strip_layout_permutes() removes them;
//    numerically the Dense kernel is the torch Linear weight with its columns reordered.
//  * Keras BN defaults differ (momentum 0.99 as the weight of the OLD value, eps 1e-3):
//    the Keras model is built with momentum=0.9, epsilon=1e-5 to match torch's 0.1 / 1e-5.
//    The normalize nodes still differ in attributes that are real: the momentum convention
//    (0.9 old == 0.1 new), the biased moving variance of Keras 3, Keras accepting one value
//    per channel, and torch's num_batches_tracked buffer. The test checks exactly these.
//  * Both frontends compile through fuse_norm_relu: every BN -> ReLU pair is one normalize
//    node with relu=true in both graphs (checked below), so no relu node is left.
// Numbers: everything up to the Dense layer is bit-identical (checked). The Dense then sums its
// 2048 inputs in (h, w, c) order in Keras and (c, h, w) order in torch, and OpenBLAS' SGEMM
// kernel -- chosen at run time from the CPU, not by janus' -march (Haswell/Zen: AVX2,
// SkylakeX/Cooperlake: AVX-512; OPENBLAS_CORETYPE overrides it) -- splits that sum into
// partial sums differently per order, so the logits differ in their last bits by a CPU-dependent
// amount (max 4.2e-7 with SkylakeX, 8.3e-7 with Haswell on logits of size ~4) and so do the
// gradients they drive. Hence relative bounds of depth 2048 (docs/testing.md) for those.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/graph.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/random.h>
#include <janus/keras/keras.h>
#include <janus/torch/torch.h>

#include <close.h>

#include <sstream>

using namespace janus;
using namespace janus::testing;
namespace tnn = janus::torch::nn;
namespace kl = janus::keras::layers;

namespace {

std::shared_ptr<tnn::Sequential> torch_net() {
  auto net = std::make_shared<tnn::Sequential>();
  auto block = [&](int64_t cin, int64_t cout) {
    net->push_back(std::make_shared<tnn::Conv2d>(tnn::Conv2dOptions(cin, cout, 3).padding(1).bias(false)));
    net->push_back(std::make_shared<tnn::BatchNorm2d>(tnn::BatchNormOptions(cout)));
    net->push_back(std::make_shared<tnn::ReLU>());
  };
  block(3, 32);
  block(32, 32);
  net->push_back(std::make_shared<tnn::MaxPool2d>(2));
  block(32, 64);
  block(64, 64);
  net->push_back(std::make_shared<tnn::MaxPool2d>(2));
  block(64, 128);
  net->push_back(std::make_shared<tnn::MaxPool2d>(2));
  net->push_back(std::make_shared<tnn::Flatten>());
  net->push_back(std::make_shared<tnn::Linear>(2048, 10));
  return net;
}

keras::Sequential keras_net() {
  keras::Sequential model;
  model.add(kl::Input({32, 32, 3}));
  auto block = [&](int64_t filters) {
    model.add(kl::Conv2D(filters, 3).padding("same").use_bias(false));
    model.add(kl::BatchNormalization().momentum(0.9).epsilon(1e-5));  // torch's 0.1 / 1e-5
    model.add(kl::ReLU());
  };
  block(32);
  block(32);
  model.add(kl::MaxPooling2D(2));
  block(64);
  block(64);
  model.add(kl::MaxPooling2D(2));
  block(128);
  model.add(kl::MaxPooling2D(2));
  model.add(kl::Flatten());
  model.add(kl::Dense(10));
  return model;
}

// Random BN parameters and statistics, so that nothing is an identity.
void randomize_bn(const std::shared_ptr<tnn::Sequential>& net, Generator& gen) {
  NoGradGuard ng;
  for (auto& [name, child] : net->named_children())
    if (auto bn = std::dynamic_pointer_cast<tnn::BatchNorm2d>(child)) {
      const int64_t c = bn->weight.numel();
      Tensor(bn->weight).copy_(uniform({c}, 0.5f, 1.5f, &gen));
      Tensor(bn->bias).copy_(uniform({c}, -0.3f, 0.3f, &gen));
      Tensor(bn->running_mean).copy_(uniform({c}, -0.2f, 0.2f, &gen));
      Tensor(bn->running_var).copy_(uniform({c}, 0.5f, 2.0f, &gen));
    }
}

// torch (out, C*H*W in (c, h, w) order) -> Keras kernel (H*W*C in (h, w, c) order, out).
Tensor dense_kernel_from_torch(const Tensor& w, int64_t c, int64_t h, int64_t wd) {
  return permute(w.reshape({w.size(0), c, h, wd}), {2, 3, 1, 0}).reshape({h * wd * c, w.size(0)});
}

// Copies the torch model's weights into the Keras model through Keras names and layouts.
void load_torch_weights(keras::Sequential& model, const std::shared_ptr<tnn::Sequential>& net) {
  NoGradGuard ng;
  NamedTensors w;
  size_t conv_i = 0, bn_i = 0;
  auto kname = [](const char* base, size_t i) { return i == 0 ? std::string(base) : fmt::format("{}_{}", base, i); };
  for (auto& [name, child] : net->named_children()) {
    if (auto conv = std::dynamic_pointer_cast<tnn::Conv2d>(child)) {
      w.emplace_back(kname("conv2d", conv_i++) + "/kernel", permute(conv->weight, {2, 3, 1, 0}));
    } else if (auto bn = std::dynamic_pointer_cast<tnn::BatchNorm2d>(child)) {
      const std::string p = kname("batch_normalization", bn_i++);
      w.emplace_back(p + "/gamma", bn->weight.clone());
      w.emplace_back(p + "/beta", bn->bias.clone());
      w.emplace_back(p + "/moving_mean", bn->running_mean.clone());
      w.emplace_back(p + "/moving_variance", bn->running_var.clone());
    } else if (auto fc = std::dynamic_pointer_cast<tnn::Linear>(child)) {
      w.emplace_back("dense/kernel", dense_kernel_from_torch(fc->weight, 128, 4, 4));
      w.emplace_back("dense/bias", fc->bias.clone());
    }
  }
  model.set_weights(w);
}

// Drops the num_batches_tracked operand (input 5) of every normalize node: torch counts
// batches, Keras does not. The buffers become unused and are not listed.
Graph without_batch_counter(const Graph& g) {
  Graph out;
  const auto& values = g.values();
  std::vector<int64_t> map(values.size(), -1);
  std::vector<bool> used(values.size(), false);
  for (const GraphNode& n : g.nodes())
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] >= 0 && !(n.kind == "normalize" && i == 5)) used[n.inputs[i]] = true;
  for (int64_t id : g.inputs()) map[id] = out.add_input(values[id].shape);
  for (size_t id = 0; id < values.size(); ++id) {
    if (!used[id]) continue;
    if (values[id].kind == ValueKind::kParameter) map[id] = out.add_parameter(values[id].name, g.tensor(id));
    if (values[id].kind == ValueKind::kBuffer) map[id] = out.add_buffer(values[id].name, g.tensor(id));
  }
  for (const GraphNode& n : g.nodes()) {
    std::vector<int64_t> ins;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      ins.push_back(n.inputs[i] < 0 || (n.kind == "normalize" && i == 5) ? -1 : map[n.inputs[i]]);
    map[n.output] = out.add_node(n.kind, n.attrs, ins, values[n.output].shape, n.mode);
  }
  out.set_outputs({map[g.outputs()[0]]});
  return out;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("the benchmark CNN built with both frontends is one graph", "[torch][keras][graph]") {
  manual_seed(1);
  auto net = torch_net();
  keras::Sequential model = keras_net();
  net->train();

  // --- the same parameter count ---
  CHECK(net->num_parameters() == 160234);
  int64_t keras_trainable = 0, keras_frozen = 0;
  for (const auto& l : model.layers()) {
    keras_trainable += l->trainable_params();
    keras_frozen += l->non_trainable_params();
  }
  CHECK(keras_trainable == net->num_parameters());
  CHECK(keras_frozen == 2 * (32 + 32 + 64 + 64 + 128));  // moving mean and variance: Keras' 2C non-trainable
  CHECK(model.count_params() == net->num_parameters() + keras_frozen);

  // --- the same graph ---
  Generator gen(5);
  const Tensor x = randn({2, 3, 32, 32}, &gen);  // NCHW for torch
  const Graph tg = torch::compile(net, x).graph();  // traced and fused, as it runs
  const Graph& kg = model.graph();  // traced by the Keras frontend on a (2, 32, 32, 3) batch
  CHECK(tg.parameter_count() == kg.parameter_count());
  const std::string keras_raw = kg.dump(DumpOptions().names(false));
  INFO(keras_raw);
  // Exactly two layout nodes: at the input and before Flatten.
  CHECK(keras_raw.find("%1 = permute(%0) {order=[0, 3, 1, 2]} : [2, 3, 32, 32]") != std::string::npos);
  // (%15: the five relu nodes are fused into their normalize nodes.)
  CHECK(keras_raw.find("%15 = permute(%14) {order=[0, 2, 3, 1]} : [2, 4, 4, 128]") != std::string::npos);
  CHECK(keras_raw.find("relu(") == std::string::npos);
  CHECK(tg.dump().find("relu(") == std::string::npos);
  CHECK(kg.nodes().size() == tg.nodes().size() + 2);

  const std::string torch_dump = without_batch_counter(tg).dump(DumpOptions().names(false));
  const std::string keras_dump = strip_layout_permutes(kg).dump(DumpOptions().names(false));
  INFO("torch:\n" << torch_dump << "keras (layout stripped):\n" << keras_dump);
  const auto tl = lines(torch_dump), kl_ = lines(keras_dump);
  REQUIRE(tl.size() == kl_.size());
  int norm_lines = 0;
  for (size_t i = 0; i < tl.size(); ++i) {
    if (tl[i].find("normalize(") == std::string::npos) {
      CHECK(tl[i] == kl_[i]);
      continue;
    }
    ++norm_lines;
    CHECK(tl[i].find("relu=true") != std::string::npos);
    // The BN attributes that are really different, and nothing else.
    CHECK(tl[i].find("momentum=0.1, momentum_convention=\"new\"") != std::string::npos);
    CHECK(kl_[i].find("momentum=0.9, momentum_convention=\"old\"") != std::string::npos);
    std::string k = replace_all(kl_[i], "momentum=0.9, momentum_convention=\"old\"", "momentum=0.1, momentum_convention=\"new\"");
    k = replace_all(k, "unbiased_running_var=false", "unbiased_running_var=true");
    k = replace_all(k, "reject_single_value=false", "reject_single_value=true");
    CHECK(tl[i] == k);
  }
  CHECK(norm_lines == 5);

  // --- the same numbers, with the same weights ---
  Generator wg(9);
  randomize_bn(net, wg);
  load_torch_weights(model, net);
  const Tensor x_nhwc = nchw_to_nhwc(x);
  const Tensor y = from_vector({3, 7}, {2});
  for (bool training : {true, false}) {
    DYNAMIC_SECTION("training " << training) {
      net->train(training);
      const Tensor out_t = (*net)(x);                     // torch, eager
      const Tensor out_k = model(x_nhwc, training);       // Keras, through its graph
      const float out_diff = max_abs_diff(out_t, out_k);
      WARN("max |torch - keras| output = " << out_diff);
      const Tol dense_order = accumulation(2048);  // the Dense's sum, in two orders (see the top)
      CHECK_THAT(out_k, IsClose(out_t, dense_order));
      Tensor loss_t = cross_entropy(out_t, y), loss_k = cross_entropy(out_k, y);
      CHECK_THAT(loss_k.item(), IsCloseTo(loss_t.item(), dense_order));
      net->zero_grad();
      model.module().zero_grad();
      loss_t.backward();
      loss_k.backward();
      // Gradients: Keras' internal tensors are channels-first, so conv/BN grads compare directly.
      float grad_diff = 0;  // largest |difference|, for the log
      size_t conv_i = 0, bn_i = 0;
      for (auto& [name, child] : net->named_children()) {
        std::shared_ptr<nn::Module> km;
        if (std::dynamic_pointer_cast<tnn::Conv2d>(child))
          km = model.get_layer(conv_i == 0 ? "conv2d" : fmt::format("conv2d_{}", conv_i))->module(), ++conv_i;
        else if (std::dynamic_pointer_cast<tnn::BatchNorm2d>(child))
          km = model.get_layer(bn_i == 0 ? "batch_normalization" : fmt::format("batch_normalization_{}", bn_i))->module(), ++bn_i;
        else if (auto fc = std::dynamic_pointer_cast<tnn::Linear>(child)) {
          auto kfc = std::static_pointer_cast<nn::Linear>(model.get_layer("dense")->module());
          const Tensor permuted = transpose(dense_kernel_from_torch(fc->weight.grad(), 128, 4, 4), 0, 1);
          grad_diff = std::max(grad_diff, max_abs_diff(permuted, kfc->weight.grad()));
          grad_diff = std::max(grad_diff, max_abs_diff(fc->bias.grad(), kfc->bias.grad()));
          CHECK_THAT(kfc->weight.grad(), IsClose(permuted, dense_order));
          CHECK_THAT(kfc->bias.grad(), IsClose(fc->bias.grad(), dense_order));
          continue;
        } else {
          continue;
        }
        const NamedTensors pt = child->named_parameters(), pk = km->named_parameters();
        REQUIRE(pt.size() == pk.size());
        for (size_t i = 0; i < pt.size(); ++i) {
          REQUIRE(pt[i].second.grad().defined());
          grad_diff = std::max(grad_diff, max_abs_diff(pt[i].second.grad(), pk[i].second.grad()));
          INFO(name << "." << pt[i].first);
          CHECK_THAT(pk[i].second.grad(), IsClose(pt[i].second.grad(), dense_order));
        }
      }
      WARN("max |torch - keras| parameter gradient = " << grad_diff);
      if (training) {
        // One training step moved the statistics: means agree; Keras 3 feeds the biased
        // variance into its moving average, torch the unbiased one (m / (m - 1), m = N*H*W).
        auto bt = std::static_pointer_cast<tnn::BatchNorm2d>(net->named_children()[1].second);
        auto bk = std::static_pointer_cast<nn::BatchNorm>(model.get_layer("batch_normalization")->module());
        CHECK_THAT(bk->running_mean, IsIdentical(bt->running_mean));  // from identical batch means
        CHECK(max_abs_diff(bt->running_var, bk->running_var) > 1e-6f);
      }
      {
        // Bit-identical up to the Dense: the Keras output is exactly torch's features run
        // through the Keras-ordered Dense (this second eager run, last in the section,
        // moves torch's running statistics once more).
        NoGradGuard ng;
        Tensor h = x;
        const auto children = net->named_children();
        for (size_t i = 0; i + 2 < children.size(); ++i) h = (*children[i].second)(h);  // up to Flatten
        auto kfc = std::static_pointer_cast<nn::Linear>(model.get_layer("dense")->module());
        const Tensor hwc = permute(h, {0, 2, 3, 1}).reshape({2, 2048});
        CHECK_THAT(out_k, IsIdentical(linear(hwc, kfc->weight, kfc->bias)));
      }
    }
  }
}

TEST_CASE("keras fit and a torch training loop train identically from the same weights", "[keras][torch]") {
  // Same weights, same batches in the same order, SGD(0.01, momentum 0.9) without weight
  // decay on both sides: the mean loss fit() reports for its epoch must equal the mean of
  // the torch loop's step losses, and the trained weights must agree.
  Generator gen(3);
  auto net = torch_net();
  randomize_bn(net, gen);
  keras::Sequential model = keras_net();
  model.compile(keras::optimizers::SGD(0.01).momentum(0.9),
                keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  load_torch_weights(model, net);
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.01).momentum(0.9));

  constexpr int64_t kSteps = 3, kBatch = 8;
  Generator data_gen(5);
  const Tensor x = randn({kSteps * kBatch, 3, 32, 32}, &data_gen);
  Tensor y = zeros({kSteps * kBatch});
  for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = static_cast<float>(i % 10);

  double torch_loss_sum = 0.0;
  for (int64_t s = 0; s < kSteps; ++s) {
    const int64_t image = 3 * 32 * 32;
    const Tensor xs = from_vector(std::vector<float>(x.data() + s * kBatch * image, x.data() + (s + 1) * kBatch * image),
                                  {kBatch, 3, 32, 32});
    const Tensor ys = from_vector(std::vector<float>(y.data() + s * kBatch, y.data() + (s + 1) * kBatch), {kBatch});
    Tensor loss = cross_entropy(net->forward(xs), ys);
    opt.zero_grad();
    loss.backward();
    opt.step();
    torch_loss_sum += loss.item();
  }
  std::ostringstream quiet;
  model.set_output(&quiet);
  const keras::History h =
      model.fit(nchw_to_nhwc(x), y, keras::FitOptions().epochs(1).batch_size(kBatch).shuffle(false).verbose(0));
  const double keras_loss = h.history.at("loss").back();
  CHECK(keras_loss == Approx(torch_loss_sum / kSteps).epsilon(1e-5));

  // The final Linear/Dense weights after the three steps.
  auto fc = std::dynamic_pointer_cast<tnn::Linear>(net->named_children().back().second);
  auto kfc = std::static_pointer_cast<nn::Linear>(model.get_layer("dense")->module());
  const Tensor permuted = transpose(dense_kernel_from_torch(fc->weight, 128, 4, 4), 0, 1);
  // Each of the three steps carries the Dense's summation-order difference (see the top).
  CHECK_THAT(kfc->weight, IsClose(permuted, accumulation(kSteps * 2048)));
  CHECK_THAT(kfc->bias, IsClose(fc->bias, accumulation(kSteps * 2048)));
}
