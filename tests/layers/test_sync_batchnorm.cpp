// SyncBatchNorm as one process: exactly BatchNorm (forward, backward, running statistics,
// bit for bit), convert_sync_batchnorm flips every BatchNorm in place, and deterministic
// mode gives the same bits for 1 and 2 threads. The N-process proofs are in tests/distributed.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/deterministic.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/reduce.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>
#include <janus/layers/conv.h>
#include <janus/layers/norm.h>
#include <janus/layers/sequential.h>

#include <cstring>

using namespace janus;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

// y, dx, dgamma, dbeta and the buffers after two training steps of `bn`.
std::vector<Tensor> two_steps(nn::BatchNorm& bn, const Tensor& x0, const Tensor& r) {
  std::vector<Tensor> out;
  for (int i = 0; i < 2; ++i) {
    Tensor x = x0.clone().requires_grad_();
    bn.zero_grad();
    Tensor y = bn(x);
    sum(y * r).backward();
    out = {y.detach(), x.grad(), bn.weight.grad(), bn.bias.grad()};
  }
  for (const Tensor& b : bn.buffers()) out.push_back(b.clone());
  return out;
}

}  // namespace

TEST_CASE("SyncBatchNorm without mpirun is exactly BatchNorm2d") {
  for (auto momentum : {std::optional<double>(0.1), std::optional<double>()}) {
    Generator gen(3);
    const Tensor x = randn({6, 4, 5, 5}, &gen), r = randn({6, 4, 5, 5}, &gen);
    nn::BatchNorm2d bn(nn::BatchNormOptions(4).momentum(momentum));
    nn::SyncBatchNorm sbn(nn::BatchNormOptions(4).momentum(momentum));
    const auto a = two_steps(bn, x, r), b = two_steps(sbn, x, r);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(same_bits(a[i], b[i]));
  }
  nn::SyncBatchNorm sbn(nn::BatchNormOptions(4));
  CHECK(sbn.type_name() == "SyncBatchNorm");
  CHECK(sbn.is_sync());
  CHECK(sbn.norm_options().sync_);
  CHECK_THROWS_WITH(sbn(randn({1, 4})), Catch::Contains("Expected more than 1 value per channel"));
}

TEST_CASE("convert_sync_batchnorm flips every BatchNorm in place") {
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(8));
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3)), bn,
      std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(8).profile(nn::NormProfile::keras))});
  CHECK(nn::count_sync_batchnorm(*net) == 0);
  const Tensor w = bn->weight;
  auto same = nn::convert_sync_batchnorm(net);
  CHECK(same == net);
  CHECK(nn::count_sync_batchnorm(*net) == 2);
  CHECK(bn->is_sync());
  CHECK(bn->weight.data() == w.data());  // the same parameter: optimizers and handles stay valid
  CHECK_THAT(net->repr(), Catch::Contains("sync=True") && Catch::Contains("synchronized=True"));
  CHECK_THROWS_WITH(nn::convert_sync_batchnorm(nullptr), Catch::Contains("expected a module"));
}

TEST_CASE("deterministic mode: batch norm and conv give the same bits for 1 and 2 threads") {
  const bool was = deterministic();
  const int threads = num_threads();
  set_deterministic(true);
  Generator gen(4);
  const Tensor x = randn({16, 3, 8, 8}, &gen), r = randn({16, 4, 8, 8}, &gen);
  std::vector<std::vector<Tensor>> runs;
  for (int t : {1, 2}) {
    set_num_threads(t);
    Generator g(5);
    nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).padding(1).generator(&g));
    nn::BatchNorm2d bn(nn::BatchNormOptions(4));
    Tensor xx = x.clone().requires_grad_();
    Tensor y = bn(conv(xx));
    sum(y * r).backward();
    runs.push_back({y.detach(), xx.grad(), conv.weight.grad(), bn.weight.grad(), bn.bias.grad(), bn.running_var.clone()});
  }
  set_num_threads(threads);
  set_deterministic(was);
  for (size_t i = 0; i < runs[0].size(); ++i) CHECK(same_bits(runs[0][i], runs[1][i]));
}
