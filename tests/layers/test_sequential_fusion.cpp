// nn::Sequential runs a normalization layer followed by nn::ReLU as one fused normalize op
// (FusesRelu): the same bits as running the two children one by one -- outputs, gradients,
// running statistics and weights after several SGD steps -- for every norm family, in
// training and in eval mode.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/random.h>
#include <janus/layers/activation.h>
#include <janus/layers/conv.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>
#include <janus/layers/pool.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

// BEGIN DOC SNIPPET
janus::Tensor bn_relu(const janus::Tensor& x) {
  auto bn = std::make_shared<janus::nn::BatchNorm2d>(janus::nn::BatchNormOptions(x.size(1)));
  // relu(bn(x)) as one normalize op: what nn::Sequential runs for BatchNorm2d -> ReLU.
  return bn->forward_relu(x);
}
// END DOC SNIPPET

using namespace janus;

namespace {

std::shared_ptr<nn::Module> norm_layer(const std::string& kind, int64_t c) {
  if (kind == "bn") return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(c));
  if (kind == "pcn") return std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(c).affine(true));
  if (kind == "seed") return std::make_shared<nn::PerChannelStdNorm>();
  if (kind == "gn") return std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(2, c));
  return std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({c, 8, 8}));
}

std::shared_ptr<nn::Sequential> make_net(const std::string& kind, uint64_t seed) {
  Generator gen(seed);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 4, 3).padding(1).generator(&gen)));
  net->push_back(norm_layer(kind, 4));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(4, 4, 3).padding(1).generator(&gen)));
  net->push_back(norm_layer(kind, 4));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4 * 4 * 4, 3).generator(&gen)));
  return net;
}

// The children one after the other, as Sequential ran them before the fusion.
Tensor unfused_forward(nn::Sequential& net, const Tensor& x) {
  Tensor h = x;
  for (size_t i = 0; i < net.size(); ++i) h = net[i]->forward(h);
  return h;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  return std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

}  // namespace

TEST_CASE("Sequential fuses norm -> ReLU into one normalize op", "[layers][fusion]") {
  auto net = make_net("bn", 1);
  net->train();
  Generator gen(2);
  const Tensor x = randn({2, 3, 8, 8}, &gen);
  nn::Sequential block;
  block.push_back((*net)[0]);
  block.push_back((*net)[1]);
  block.push_back((*net)[2]);
  const Tensor y = block(x);
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->kind == "normalize");  // no separate relu node
  for (float v : y.to_vector()) CHECK(v >= 0.0f);
  // A ReLU that does not follow a norm layer stays a relu op.
  nn::Sequential plain;
  plain.push_back((*net)[0]);
  plain.push_back((*net)[2]);
  CHECK(plain(x).grad_fn()->kind == "relu");
}

TEST_CASE("fused eager training gives the same bits as the unfused pair", "[layers][fusion]") {
  for (const std::string kind : {"bn", "pcn", "seed", "gn", "ln"}) {
    INFO("norm " << kind);
    auto fused = make_net(kind, 7), plain = make_net(kind, 7);
    Generator gen(3);
    Tensor y = zeros({6});
    for (int64_t i = 0; i < 6; ++i) y.data()[i] = static_cast<float>(i % 3);
    optim::SGD opt_f(fused->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    optim::SGD opt_p(plain->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    for (int step = 0; step < 4; ++step) {
      const Tensor x = randn({6, 3, 8, 8}, &gen) * 2.0f;  // about half the pre-ReLU values negative
      Tensor out_f = (*fused)(x), out_p = unfused_forward(*plain, x);
      REQUIRE(same_bits(out_f, out_p));
      Tensor loss_f = cross_entropy(out_f, y), loss_p = cross_entropy(out_p, y);
      opt_f.zero_grad();
      opt_p.zero_grad();
      loss_f.backward();
      loss_p.backward();
      const auto pf = fused->named_parameters(), pp = plain->named_parameters();
      REQUIRE(pf.size() == pp.size());
      for (size_t i = 0; i < pf.size(); ++i) {
        INFO("step " << step << " gradient of " << pf[i].first);
        REQUIRE(same_bits(pf[i].second.grad(), pp[i].second.grad()));
      }
      opt_f.step();
      opt_p.step();
    }
    const auto bf = fused->named_buffers(), bp = plain->named_buffers();
    for (size_t i = 0; i < bf.size(); ++i) {
      INFO("buffer " << bf[i].first);
      CHECK(same_bits(bf[i].second, bp[i].second));
    }
    fused->eval();
    plain->eval();
    NoGradGuard no_grad;
    const Tensor x = randn({6, 3, 8, 8}, &gen);
    CHECK(same_bits((*fused)(x), unfused_forward(*plain, x)));
  }
}

TEST_CASE("docs/performance.md shows forward_relu verbatim, and it is relu(bn(x))", "[layers][fusion]") {
  Generator gen(4);
  const Tensor x = randn({4, 3, 5, 5}, &gen);
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(3));
  CHECK(same_bits(bn_relu(x), relu(bn->forward(x))));
  std::ifstream test_file(std::string(JANUS_GOLDEN_DIR) + "/../layers/test_sequential_fusion.cpp");
  std::ifstream doc(std::string(JANUS_GOLDEN_DIR) + "/../../docs/performance.md");
  REQUIRE(test_file.good());
  REQUIRE(doc.good());
  std::stringstream t, d;
  t << test_file.rdbuf();
  d << doc.rdbuf();
  const std::string begin = "// BEGIN DOC SNIPPET\n", end = "// END DOC SNIPPET";
  const std::string source = t.str();
  const size_t b = source.find(begin) + begin.size();
  std::string block = source.substr(b, source.find(end, b) - b);
  while (!block.empty() && (block.back() == '\n' || block.back() == ' ')) block.pop_back();
  CHECK(d.str().find(block) != std::string::npos);
}

namespace {
// A user's BatchNorm2d that changes what forward() does: Sequential must call it, not fuse it.
class CountingBatchNorm : public nn::BatchNorm2d {
 public:
  using nn::BatchNorm2d::BatchNorm2d;
  Tensor forward(const Tensor& x) override {
    ++calls;
    return nn::BatchNorm2d::forward(x) * 2.0f;
  }
  int calls = 0;
};
}  // namespace

TEST_CASE("a subclass of a norm layer that overrides forward is never fused away", "[layers][fusion]") {
  Generator gen(5);
  auto bn = std::make_shared<CountingBatchNorm>(nn::BatchNormOptions(3));
  nn::Sequential net;
  net.push_back(bn);
  net.push_back(std::make_shared<nn::ReLU>());
  const Tensor x = randn({4, 3, 5, 5}, &gen);
  auto reference = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(3));
  const Tensor want = relu(reference->forward(x) * 2.0f);
  CHECK(same_bits(net.forward(x), want));
  CHECK(bn->calls == 1);
}
