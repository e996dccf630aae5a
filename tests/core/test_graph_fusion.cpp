// fuse_norm_relu: the dump of a fused graph, and the fused graph against the unfused one on
// twin models (same seeds, separate running statistics): outputs, running statistics and
// gradients (parameters and input) in training and inference, plus the cases it must leave
// alone (a normalize output read twice or returned, an already fused node, a lone relu).
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

// conv3x3 -> BN -> relu -> conv3x3 -> BN -> relu -> maxpool2 -> flatten -> linear, raw tensors.
struct TwoBlockNet {
  explicit TwoBlockNet(uint64_t seed) {
    Generator gen(seed);
    w1 = normal({4, 3, 3, 3}, 0.0f, 0.4f, &gen).requires_grad_();
    w2 = normal({4, 4, 3, 3}, 0.0f, 0.3f, &gen).requires_grad_();
    for (int i = 0; i < 2; ++i) {
      gamma[i] = uniform({4}, 0.5f, 1.5f, &gen).requires_grad_();
      beta[i] = normal({4}, 0.0f, 0.3f, &gen).requires_grad_();  // shifts, so relu cuts
      mean[i] = uniform({4}, -0.2f, 0.2f, &gen);
      var[i] = uniform({4}, 0.5f, 2.0f, &gen);
      nbt[i] = zeros({1});
    }
    fc_w = normal({3, 16}, 0.0f, 0.3f, &gen).requires_grad_();
    fc_b = normal({3}, 0.0f, 0.1f, &gen).requires_grad_();
  }
  Tensor bn(const Tensor& h, int i, bool training) const {
    return normalize(h, gamma[i], beta[i], mean[i], var[i], nbt[i], NormOptions::torch_batch_norm(), training);
  }
  Tensor forward(const Tensor& x, bool training) const {
    Tensor h = relu(bn(conv2d(x, w1, Tensor(), Conv2dOptions().padding(1)), 0, training));
    h = relu(bn(conv2d(h, w2, Tensor(), Conv2dOptions().padding(1)), 1, training));
    return linear(max_pool2d(h, Pool2dOptions(2)).flatten(1), fc_w, fc_b);
  }
  NamedTensors params() const {
    return {{"w1", w1}, {"g0", gamma[0]}, {"b0", beta[0]}, {"w2", w2},
            {"g1", gamma[1]}, {"b1", beta[1]}, {"fc.w", fc_w}, {"fc.b", fc_b}};
  }
  NamedTensors buffers() const {
    return {{"m0", mean[0]}, {"v0", var[0]}, {"n0", nbt[0]}, {"m1", mean[1]}, {"v1", var[1]}, {"n1", nbt[1]}};
  }
  Graph trace_graph(const Tensor& x) const {
    return trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{forward(in[0], true)}; }, {x},
                 params(), buffers(), TraceOptions().training(true));
  }
  Tensor w1, w2, gamma[2], beta[2], mean[2], var[2], nbt[2], fc_w, fc_b;
};

Tensor input(uint64_t seed, int64_t n = 3) {
  Generator gen(seed);
  return randn({n, 3, 4, 4}, &gen);
}

size_t count_kind(const Graph& g, const std::string& kind) {
  size_t n = 0;
  for (const GraphNode& node : g.nodes()) n += node.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("fuse_norm_relu turns normalize then relu into one fused node in the dump", "[graph][fusion]") {
  TwoBlockNet net(1);
  const Graph g = net.trace_graph(input(2));
  const Graph f = fuse_norm_relu(g);
  const std::string dump = f.dump();
  INFO(dump);
  CHECK(count_kind(g, "relu") == 2);
  CHECK(count_kind(f, "relu") == 0);
  CHECK(f.nodes().size() == g.nodes().size() - 2);
  CHECK(count_kind(f, "normalize") == 2);
  for (const GraphNode& n : f.nodes())
    if (n.kind == "normalize") CHECK(n.attrs.get_bool("relu"));
  for (const GraphNode& n : g.nodes())
    if (n.kind == "normalize") CHECK_FALSE(n.attrs.get_bool("relu"));
  // The fused node feeds the next conv directly, and the dump says relu=true.
  CHECK(dump.find("%2 = normalize(%1, @g0, @b0, @m0, @v0, @n0) {") != std::string::npos);
  CHECK(dump.find("relu=true} : [3, 4, 4, 4]\n  %3 = conv2d(%2, @w2, _)") != std::string::npos);
  CHECK(dump.find("relu=false") == std::string::npos);
  CHECK(f.parameters().size() == g.parameters().size());
  CHECK(f.buffers().size() == g.buffers().size());
  // Idempotent.
  CHECK(fuse_norm_relu(f).dump() == dump);
}

TEST_CASE("a fused graph matches the unfused one in outputs statistics and gradients", "[graph][fusion]") {
  TwoBlockNet a(7), b(7);  // twins: same values, separate tensors
  const Tensor x0 = input(8);
  const Graph plain = a.trace_graph(x0);
  const Graph fused = fuse_norm_relu(b.trace_graph(x0));
  REQUIRE(count_kind(fused, "relu") == 0);
  const Tensor y = from_vector({0, 2, 1}, {3});
  auto check_grads_identical = [&]() {
    const NamedTensors pa = a.params(), pb = b.params();
    for (size_t i = 0; i < pa.size(); ++i) {
      REQUIRE(pa[i].second.grad().defined());
      INFO(pa[i].first);
      CHECK_THAT(pb[i].second.grad(), IsIdentical(pa[i].second.grad()));
    }
  };
  for (bool training : {true, false}) {
    DYNAMIC_SECTION("training " << training) {
      for (int step = 0; step < 2; ++step) {  // the second step runs on moved statistics
        const Tensor xa = input(20 + step).requires_grad_(), xb = xa.detach().clone().requires_grad_();
        for (auto& [n, t] : a.params()) Tensor(t).zero_grad();
        for (auto& [n, t] : b.params()) Tensor(t).zero_grad();
        const Tensor oa = plain.forward(xa, RunContext{training}), ob = fused.forward(xb, RunContext{training});
        CHECK_THAT(oa, IsIdentical(ob));
        cross_entropy(oa, y).backward();
        cross_entropy(ob, y).backward();
        check_grads_identical();
        CHECK_THAT(xa.grad(), IsIdentical(xb.grad()));
        for (int i = 0; i < 2; ++i) {
          CHECK_THAT(a.mean[i], IsIdentical(b.mean[i]));
          CHECK_THAT(a.var[i], IsIdentical(b.var[i]));
          CHECK(a.nbt[i].item() == b.nbt[i].item());
        }
      }
      // Training moved the statistics (two batches counted); inference left them alone.
      CHECK(b.nbt[0].item() == (training ? 2.0f : 0.0f));
    }
  }
}

TEST_CASE("fuse_norm_relu leaves a normalize output that is read twice or returned", "[graph][fusion]") {
  Generator gen(3);
  const Tensor x = randn({2, 4, 3, 3}, &gen);
  const Tensor w = ones({4}), b = zeros({4});
  const NormOptions bn = NormOptions::torch_batch_norm().stats(StatsSource::batch);
  auto run = [&](const std::function<std::vector<Tensor>(const Tensor&)>& fn) {
    return fuse_norm_relu(trace([&](const std::vector<Tensor>& in) { return fn(in[0]); }, {x},
                                {{"w", w}, {"b", b}}));
  };
  // Residual-style second reader: relu(y) + y.
  const Graph twice = run([&](const Tensor& in) {
    const Tensor y = normalize(in, w, b, Tensor(), Tensor(), Tensor(), bn, true);
    return std::vector<Tensor>{add(relu(y), y)};
  });
  CHECK(count_kind(twice, "relu") == 1);
  // The normalize output is also a graph output.
  const Graph returned = run([&](const Tensor& in) {
    const Tensor y = normalize(in, w, b, Tensor(), Tensor(), Tensor(), bn, true);
    return std::vector<Tensor>{relu(y), y};
  });
  CHECK(count_kind(returned, "relu") == 1);
  // Already fused: the extra relu is kept (it is a no-op, but not ours to drop).
  const Graph refused = run([&](const Tensor& in) {
    return std::vector<Tensor>{relu(normalize(in, w, b, Tensor(), Tensor(), Tensor(), NormOptions(bn).relu(true), true))};
  });
  CHECK(count_kind(refused, "relu") == 1);
  // A relu after something else.
  const Graph other = run([&](const Tensor& in) { return std::vector<Tensor>{relu(mul(in, in))}; });
  CHECK(count_kind(other, "relu") == 1);
  // And the plain chain fuses, with the same numbers.
  const Graph chain = run([&](const Tensor& in) {
    return std::vector<Tensor>{relu(normalize(in, w, b, Tensor(), Tensor(), Tensor(), bn, true))};
  });
  CHECK(count_kind(chain, "relu") == 0);
  const Tensor expected = relu(normalize(x, w, b, Tensor(), Tensor(), Tensor(), bn, true));
  CHECK_THAT(chain.forward(x), IsIdentical(expected));
}

TEST_CASE("fold_batchnorm after fusion keeps the relu and matches inference", "[graph][fusion]") {
  TwoBlockNet net(11);
  const Tensor x = input(12);
  const Graph fused = fuse_norm_relu(net.trace_graph(x));
  const Graph folded = fold_batchnorm(fused);
  CHECK(count_kind(folded, "normalize") == 0);
  CHECK(count_kind(folded, "relu") == 2);
  NoGradGuard ng;
  const Tensor folded_out = folded.forward(x, RunContext{false}), eager_out = net.forward(x, false);
  WARN("fold after fusion max |difference| = " << max_abs_diff(folded_out, eager_out));
  // Folded weights round differently in both convs' products (3*3*3, 4*3*3), then the linear's 16.
  CHECK_THAT(folded_out, IsClose(eager_out, accumulation(27 + 36 + 16)));
}
