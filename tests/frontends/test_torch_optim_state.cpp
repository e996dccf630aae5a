// The torch frontend's optimizers and schedulers checkpoint the PyTorch way: state_dict() /
// load_state_dict() on torch::optim objects, and torch::save / torch::load to a file, with
// errors naming the file and the key.
#include <catch2/catch.hpp>

#include <janus/core/error.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/torch/torch.h>

#include <cstdio>
#include <cstring>
#include <string>

using namespace janus;
namespace tnn = janus::torch::nn;
namespace toptim = janus::torch::optim;
using Catch::Matchers::Contains;

namespace {

void train_steps(tnn::Module& net, toptim::Optimizer& opt, toptim::LRScheduler& sched, int from, int to) {
  for (int k = from; k < to; ++k) {
    Generator gen(static_cast<uint64_t>(k));
    const Tensor x = randn({5, 3}, &gen);
    opt.zero_grad();
    const Tensor y = net(x);
    Tensor loss = mean(y * y);
    loss.backward();
    opt.step();
    sched.step();
  }
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

}  // namespace

TEST_CASE("torch frontend optimizers save and load their state", "[torch][optim][state]") {
  Generator g1(1);
  auto straight = std::make_shared<tnn::Linear>(tnn::LinearOptions(3, 2).generator(&g1));
  Generator g2(1);
  auto first = std::make_shared<tnn::Linear>(tnn::LinearOptions(3, 2).generator(&g2));
  toptim::Adam opt_a(straight->parameters(), toptim::AdamOptions(0.01));
  toptim::StepLR sched_a(opt_a, 2, 0.5);
  train_steps(*straight, opt_a, sched_a, 0, 6);

  toptim::Adam opt_b(first->parameters(), toptim::AdamOptions(0.01));
  toptim::StepLR sched_b(opt_b, 2, 0.5);
  train_steps(*first, opt_b, sched_b, 0, 3);
  const std::string opt_path = "test_torch_optim_state_opt.safetensors";
  const std::string sched_path = "test_torch_optim_state_sched.safetensors";
  janus::torch::save(opt_b, opt_path);
  janus::torch::save(sched_b, sched_path);

  toptim::Adam opt_c(first->parameters(), toptim::AdamOptions(0.5));
  toptim::StepLR sched_c(opt_c, 2, 0.5);
  janus::torch::load(opt_c, opt_path);
  janus::torch::load(sched_c, sched_path);
  train_steps(*first, opt_c, sched_c, 3, 6);
  CHECK(same_bits(first->weight, straight->weight));
  CHECK(same_bits(first->bias, straight->bias));

  // In memory, as opt.load_state_dict(opt.state_dict()) in Python.
  toptim::Adam opt_d(first->parameters(), toptim::AdamOptions(0.5));
  opt_d.load_state_dict(opt_c.state_dict());
  CHECK(opt_d.steps() == 6);

  toptim::SGD sgd(first->parameters(), toptim::SGDOptions(0.1));
  CHECK_THROWS_WITH(janus::torch::load(sgd, opt_path),
                    Contains(opt_path) && Contains("key 'kind'") && Contains("expected 'SGD'") && Contains("got 'Adam'"));
  // A scheduler's file names the file too; base_lrs needs one lr per parameter group.
  toptim::SGD two_groups(first->parameters(), toptim::SGDOptions(0.1));
  Generator g3(3);
  two_groups.add_param_group({randn({2}, &g3).requires_grad_()}, 0.2);
  toptim::StepLR sched_two(two_groups, 2, 0.5);
  CHECK_THROWS_WITH(janus::torch::load(sched_two, sched_path), Contains(sched_path) && Contains("key 'base_lrs'") &&
                                                                   Contains("expected shape [2, 3]") &&
                                                                   Contains("got [1, 3]"));
  CHECK(sched_two.last_step() == 0);
  std::remove(opt_path.c_str());
  std::remove(sched_path.c_str());
}
