// Autograd engine: accumulation, ordering, retain_graph, no-grad, detach and error paths.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

using namespace janus;

TEST_CASE("backward computes and accumulates leaf gradients") {
  Tensor a = from_vector({1, 2, 3}, {3}).requires_grad_();
  Tensor b = from_vector({4, 5, 6}, {3}).requires_grad_();
  Tensor loss = sum(a * b + a);
  loss.backward();
  CHECK(a.grad().to_vector() == std::vector<float>{5, 6, 7});
  CHECK(b.grad().to_vector() == std::vector<float>{1, 2, 3});
  // A second graph adds into the existing gradients.
  sum(a * 2.0f).backward();
  CHECK(a.grad().to_vector() == std::vector<float>{7, 8, 9});
  a.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("a tensor used twice gets both contributions (diamond)") {
  Tensor x = from_vector({2}, {1}).requires_grad_();
  Tensor y = x * x;       // 2x
  Tensor z = y * x + y;   // x^3 + x^2 -> 3x^2 + 2x = 16
  sum(z).backward();
  CHECK(x.grad().item() == Approx(16.0f));
}

TEST_CASE("backward twice without retain_graph is an error, with it accumulates") {
  Tensor x = from_vector({3}, {1}).requires_grad_();
  Tensor y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  const float once = x.grad().item();
  y.backward();
  CHECK(x.grad().item() == Approx(2 * once));
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("second time") && Catch::Contains("retain_graph"));
}

TEST_CASE("backward of a non-scalar needs a gradient") {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor y = x * 3.0f;
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("one-element") && Catch::Contains("[2, 3]"));
  y.backward(ones({2, 3}));
  CHECK(x.grad().at({1, 2}) == Approx(3.0f));
  CHECK_THROWS_WITH(y.backward(ones({3, 2})), Catch::Contains("does not match"));
}

TEST_CASE("backward through a tensor that does not require grad is an error") {
  Tensor x = ones({2});
  Tensor y = sum(x * 2.0f);
  CHECK_FALSE(y.requires_grad());
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("NoGradGuard stops recording and detach cuts the graph") {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0f;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  Tensor y = x * 2.0f;
  CHECK(y.requires_grad());
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.data() == y.data());  // shares storage
  Tensor z = sum(d * x);
  z.backward();
  CHECK(x.grad().to_vector() == std::vector<float>{2, 2});
}

TEST_CASE("grad() returns gradients without touching .grad") {
  Tensor x = from_vector({1, 2}, {2}).requires_grad_();
  Tensor y = sum(x * x);
  auto g = grad(y, {x});
  CHECK(g[0].to_vector() == std::vector<float>{2, 4});
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward order is deterministic across runs") {
  Generator gen(7);
  Tensor w = randn({16}, &gen).requires_grad_();
  std::vector<float> first;
  for (int run = 0; run < 3; ++run) {
    w.zero_grad();
    Tensor h = w;
    for (int i = 0; i < 20; ++i) h = tanh(h * 1.1f) + h * 0.1f;
    sum(h * h).backward();
    if (run == 0) first = w.grad().to_vector();
    CHECK(w.grad().to_vector() == first);
  }
}

TEST_CASE("a long chain backward does not recurse") {
  Tensor x = ones({1}).requires_grad_();
  Tensor h = x;
  for (int i = 0; i < 100000; ++i) h = h + 0.0f;
  sum(h).backward();
  CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("dropping a long unused graph does not recurse", "[autograd]") {
  Tensor x = ones({1}).requires_grad_();
  {
    Tensor h = x;
    for (int i = 0; i < 300000; ++i) h = h * 1.0f;
    CHECK(h.requires_grad());
  }  // the whole chain is released here, iteratively
  CHECK(x.requires_grad());
}

TEST_CASE("backward(gradient) hands the caller's gradient to the root's op without copying, and never writes it") {
  Tensor x = from_vector({-1, 2, -3, 4}, {4}).requires_grad_();
  // A probe op: its backward sees the incoming gradient's buffer and whether it may write it.
  Tensor y = x.detach().clone();
  const float* seen = nullptr;
  bool seen_exclusive = true;
  record(y, "probe", {x}, [&](const Tensor& dy, const std::vector<bool>&) {
    seen = dy.data();
    seen_exclusive = is_exclusive(dy);
    return std::vector<Tensor>{dy};  // passed on to the leaf as it is
  });
  Tensor g = from_vector({1, 2, 3, 4}, {4});
  y.backward(g);
  CHECK(seen == g.data());    // not a copy
  CHECK_FALSE(seen_exclusive);  // the caller still holds it, so no backward may write into it
  CHECK(x.grad().data() != g.data());  // the leaf's .grad is its own buffer
  g.fill_(9.0f);
  CHECK(x.grad().to_vector() == std::vector<float>{1, 2, 3, 4});

  // relu's backward writes into an exclusive incoming gradient: the caller's stays as it was.
  Tensor z = from_vector({-1, 2, -3, 4}, {4}).requires_grad_();
  Tensor r = relu(z);
  Tensor gr = from_vector({5, 6, 7, 8}, {4});
  r.backward(gr);
  CHECK(gr.to_vector() == std::vector<float>{5, 6, 7, 8});
  CHECK(z.grad().to_vector() == std::vector<float>{0, 6, 0, 8});
}
