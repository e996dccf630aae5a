// The graph IR alone (no module objects): trace a small CNN written with raw tensors, check
// the canonical dump and hash, re-run the graph forward and backward in train and eval mode
// against eager, re-derive shapes, pin modes, fold BN, strip layout permutes.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/graph.h>
#include <janus/core/ops.h>
#include <janus/core/ops/norm.h>
#include <janus/core/random.h>

using namespace janus;
using namespace janus::testing;  // close.h

namespace {

// conv3x3(no bias) -> BN -> relu -> maxpool2 -> flatten -> linear, as raw tensors.
struct TinyNet {
  explicit TinyNet(uint64_t seed) {
    Generator gen(seed);
    w1 = normal({4, 3, 3, 3}, 0.0f, 0.3f, &gen).requires_grad_();
    gamma = uniform({4}, 0.5f, 1.5f, &gen).requires_grad_();
    beta = normal({4}, 0.0f, 0.1f, &gen).requires_grad_();
    fc_w = normal({5, 16}, 0.0f, 0.3f, &gen).requires_grad_();
    fc_b = normal({5}, 0.0f, 0.1f, &gen).requires_grad_();
    running_mean = zeros({4});
    running_var = ones({4});
    nbt = zeros({1});
  }
  Tensor forward(const Tensor& x, bool training) const {
    Tensor h = conv2d(x, w1, Tensor(), Conv2dOptions().padding(1));
    h = normalize(h, gamma, beta, running_mean, running_var, nbt, NormOptions::torch_batch_norm(), training);
    h = max_pool2d(relu(h), Pool2dOptions(2));
    return linear(h.flatten(1), fc_w, fc_b);
  }
  NamedTensors params() const {
    return {{"conv.weight", w1}, {"bn.weight", gamma}, {"bn.bias", beta}, {"fc.weight", fc_w}, {"fc.bias", fc_b}};
  }
  NamedTensors buffers() const {
    return {{"bn.running_mean", running_mean}, {"bn.running_var", running_var}, {"bn.num_batches_tracked", nbt}};
  }
  Graph trace_graph(const Tensor& x, bool training) const {
    return trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{forward(in[0], training)}; },
                 {x}, params(), buffers(), TraceOptions().training(training));
  }
  void zero_grads() {
    for (auto& [n, t] : params()) Tensor(t).zero_grad();
  }
  Tensor w1, gamma, beta, fc_w, fc_b, running_mean, running_var, nbt;
};

Tensor input(uint64_t seed, int64_t n = 2) {
  Generator gen(seed);
  return randn({n, 3, 4, 4}, &gen);
}

}  // namespace

TEST_CASE("trace records a canonical dump with named parameters and shapes", "[graph]") {
  TinyNet net(1);
  const Graph g = net.trace_graph(input(2), true);
  const std::string expected =
      "graph(%0: [2, 3, 4, 4]) {\n"
      "  @conv.weight: param [4, 3, 3, 3]\n"
      "  @bn.weight: param [4]\n"
      "  @bn.bias: param [4]\n"
      "  @bn.running_mean: buffer [4]\n"
      "  @bn.running_var: buffer [4]\n"
      "  @bn.num_batches_tracked: buffer [1]\n"
      "  @fc.weight: param [5, 16]\n"
      "  @fc.bias: param [5]\n"
      "  %1 = conv2d(%0, @conv.weight, _) {stride=1, padding=1, dilation=1, groups=1} : [2, 4, 4, 4]\n";
  const std::string dump = g.dump();
  INFO(dump);
  CHECK(dump.substr(0, expected.size()) == expected);
  CHECK(dump.find("%2 = normalize(%1, @bn.weight, @bn.bias, @bn.running_mean, @bn.running_var, "
                  "@bn.num_batches_tracked) {") != std::string::npos);
  CHECK(dump.find("%3 = relu(%2) : [2, 4, 4, 4]") != std::string::npos);
  CHECK(dump.find("%5 = reshape(%4) {shape=[-1, 16]} : [2, 16]") != std::string::npos);
  CHECK(dump.find("%6 = linear(%5, @fc.weight, @fc.bias) : [2, 5]\n  return %6\n}") != std::string::npos);
  CHECK(g.nodes().size() == 6);
  CHECK(g.parameter_count() == 4 * 27 + 4 + 4 + 80 + 5);
  CHECK(g.buffer_count() == 9);

  // Stable: the same trace twice gives the same text and hash; another graph another hash.
  TinyNet other(1);
  CHECK(other.trace_graph(input(3), true).hash() == g.hash());
  CHECK(g.hash() == fnv1a64(dump));
  CHECK(fnv1a64("") == 14695981039346656037ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  const Graph g3 = other.trace_graph(input(3, 3), true);
  CHECK(g3.hash() != g.hash());

  // Anonymous names: @p0, @b0 in order of first use.
  const std::string anon = g.dump(DumpOptions().names(false));
  CHECK(anon.find("%1 = conv2d(%0, @p0, _)") != std::string::npos);
  CHECK(anon.find("normalize(%1, @p1, @p2, @b0, @b1, @b2)") != std::string::npos);
  CHECK(anon.find("bn.") == std::string::npos);
}

TEST_CASE("tracing leaves running statistics untouched and makes unknown tensors constants", "[graph]") {
  TinyNet net(4);
  const Graph g = net.trace_graph(input(5), true);
  CHECK(net.running_mean.to_vector() == std::vector<float>(4, 0.0f));
  CHECK(net.nbt.item() == 0.0f);

  Tensor shift = full({1}, 0.5f);  // not declared to the trace
  Tensor w = from_vector({1, 2, 3}, {3}).requires_grad_();
  const Graph c = trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{sum(in[0] * w + shift)}; },
                        {ones({2, 3})}, {{"w", w}});
  const std::string dump = c.dump();
  INFO(dump);
  CHECK(dump.find("@const0: const [1]") != std::string::npos);
  CHECK(dump.find("%2 = add(%1, @const0)") != std::string::npos);
  shift.fill_(100.0f);  // the constant is an owned copy from trace time
  CHECK(c.forward(ones({2, 3})).item() == Approx(2 * 6 + 6 * 0.5));
}

TEST_CASE("a graph runs alone and matches eager forward and backward in train and eval mode", "[graph]") {
  for (bool training : {true, false}) {
    DYNAMIC_SECTION("training " << training) {
      TinyNet eager(7), graphed(7);
      const Tensor x = input(8), y = from_vector({1, 3}, {2});
      const Graph g = graphed.trace_graph(x, training);
      // The graph owns shared handles: no TinyNet call below, only g.
      const Tensor x2 = input(9);
      const Tensor out_e = eager.forward(x2, training);
      const Tensor out_g = g.forward(x2, RunContext{training});
      CHECK_THAT(out_e, IsIdentical(out_g));
      cross_entropy(out_e, y).backward();
      Tensor loss_g = cross_entropy(out_g, y);
      loss_g.backward();
      const NamedTensors pe = eager.params(), pg = g.parameters();
      REQUIRE(pe.size() == pg.size());
      for (size_t i = 0; i < pe.size(); ++i) {
        INFO(pe[i].first);
        CHECK(pg[i].first == pe[i].first);
        REQUIRE(pg[i].second.grad().defined());
        CHECK_THAT(pe[i].second.grad(), IsIdentical(pg[i].second.grad()));
        CHECK(pg[i].second.grad().same(graphed.params()[i].second.grad()));  // same tensors as the net's
      }
      // Training mode updated the (shared) running statistics exactly as eager did.
      CHECK_THAT(eager.running_var, IsIdentical(graphed.running_var));
      CHECK(graphed.nbt.item() == (training ? 1.0f : 0.0f));
    }
  }
}

TEST_CASE("one graph traced in training runs in inference mode too", "[graph]") {
  TinyNet eager(11), graphed(11);
  const Graph g = graphed.trace_graph(input(12), true);
  eager.running_mean.fill_(0.2f);
  graphed.running_mean.fill_(0.2f);
  const Tensor x = input(13);
  CHECK_THAT(eager.forward(x, false), IsIdentical(g.forward(x, RunContext{false})));
  CHECK_THAT(eager.forward(x, true), IsIdentical(g.forward(x, RunContext{true})));
  CHECK(max_abs_diff(eager.forward(x, false), g.forward(x, RunContext{true})) > 1e-3f);
}

TEST_CASE("an op run in the other mode than the trace is pinned to that mode", "[graph]") {
  Tensor rm = zeros({3}), rv = ones({3});
  auto fn = [&](const std::vector<Tensor>& in) {
    // A frozen BN (Keras trainable=False style) inside a training-mode model.
    return std::vector<Tensor>{dropout(batch_norm(in[0], rm, rv, Tensor(), Tensor(), /*training=*/false), 0.5f,
                                       /*training=*/true)};
  };
  const Tensor x = randn({4, 3});
  const Graph g = trace(fn, {x}, {}, {{"rm", rm}, {"rv", rv}}, TraceOptions().training(true));
  const std::string dump = g.dump();
  INFO(dump);
  CHECK(dump.find("[inference] : [4, 3]") != std::string::npos);
  CHECK(g.nodes()[0].mode == NodeMode::kInference);
  CHECK(g.nodes()[1].mode == NodeMode::kFollow);
  // Run in training: BN still uses running stats (identity here, up to eps); dropout follows.
  const Tensor out = g.forward(x, RunContext{true});
  int zeros_seen = 0;
  for (float v : out.to_vector()) zeros_seen += v == 0.0f;
  CHECK(zeros_seen > 0);
  CHECK(rm.to_vector() == std::vector<float>(3, 0.0f));
  const Tensor eval_out = g.forward(x, RunContext{false});
  // (x - 0) * (1 / sqrt(1 + eps)) * 1 + 0 in the kernel against one multiply: a few roundings.
  CHECK_THAT(eval_out, IsClose(x * static_cast<float>(1.0 / std::sqrt(1.0 + 1e-5)), accumulation(4)));
}

TEST_CASE("infer_shapes re-derives shapes for a new batch and names the failing node", "[graph]") {
  TinyNet net(14);
  Graph g = net.trace_graph(input(15, 2), false);
  // The flatten reshape keeps the batch axis as -1, so a new batch size fits.
  CHECK(g.dump().find("reshape(%4) {shape=[-1, 16]} : [2, 16]") != std::string::npos);
  g.infer_shapes({{3, 3, 4, 4}});
  CHECK(g.values()[g.outputs()[0]].shape == Shape{3, 5});
  CHECK(g.dump().find("reshape(%4) {shape=[-1, 16]} : [3, 16]") != std::string::npos);
  const Tensor x5 = input(30, 5);
  CHECK_THAT(g.forward(x5, RunContext{false}), IsIdentical(net.forward(x5, false)));
  CHECK(net.running_mean.to_vector() == std::vector<float>(4, 0.0f));  // stand-ins, not the buffers
  CHECK_THROWS_WITH(g.infer_shapes({{2, 5, 4, 4}}), Catch::Contains("infer_shapes: node %1 (conv2d)"));
  CHECK_THROWS_WITH(g.forward(input(1, 2).reshape({2, 3, 16})), Catch::Contains("traced with [3, 3, 4, 4]"));
}

TEST_CASE("fold_batchnorm merges conv and inference BN into one conv", "[graph]") {
  TinyNet net(16);
  {  // Give the BN real running statistics.
    NoGradGuard ng;
    for (int i = 0; i < 3; ++i) net.forward(input(20 + i, 4), true);
  }
  const Graph g = net.trace_graph(input(17), false);
  const Graph folded = fold_batchnorm(g);
  const std::string dump = folded.dump();
  INFO(dump);
  CHECK(folded.nodes().size() == g.nodes().size() - 1);
  CHECK(dump.find("normalize") == std::string::npos);
  CHECK(dump.find("%1 = conv2d(%0, @conv.weight.folded, @conv.weight.folded_bias)") != std::string::npos);
  const Tensor x = input(18);
  const Tensor unfolded_out = g.forward(x, RunContext{false}), folded_out = folded.forward(x, RunContext{false});
  WARN("fold_batchnorm max |difference| = " << max_abs_diff(unfolded_out, folded_out));
  // Folded weights round differently in the conv's 3*3*3 products, then in the linear's 16.
  CHECK_THAT(folded_out, IsClose(unfolded_out, accumulation(27 + 16)));
  // A BN pinned to training mode (batch statistics whatever the run) must not be folded.
  Tensor rm = zeros({4}), rv = ones({4});
  const Graph pinned = trace(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{batch_norm(conv2d(in[0], net.w1), rm, rv, Tensor(), Tensor(), true)};
      },
      {x}, {{"w", net.w1}}, {{"rm", rm}, {"rv", rv}}, TraceOptions().training(false));
  CHECK(fold_batchnorm(pinned).nodes().size() == 2);
}

TEST_CASE("strip_layout_permutes removes channels-last boundary permutes", "[graph]") {
  Generator gen(3);
  Tensor w = normal({2, 3, 1, 1}, 0.0f, 1.0f, &gen);
  auto fn = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{nchw_to_nhwc(conv2d(nhwc_to_nchw(in[0]), w)).flatten(1)};
  };
  const Graph g = trace(fn, {randn({1, 4, 4, 3}, &gen)}, {{"w", w}});
  REQUIRE(g.nodes().size() == 4);
  const Graph s = strip_layout_permutes(g);
  const std::string dump = s.dump();
  INFO(dump);
  CHECK(s.nodes().size() == 2);
  CHECK(dump.rfind("graph(%0: [1, 3, 4, 4])", 0) == 0);
  CHECK(dump.find("%2 = reshape(%1) {shape=[-1, 32]} : [1, 32]") != std::string::npos);
}
