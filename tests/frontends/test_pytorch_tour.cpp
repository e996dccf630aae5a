// docs/pytorch_tour.md's snippets, compiled and run here exactly as printed there: each block
// between "// BEGIN TOUR <name>" and "// END TOUR" must appear verbatim in the page, so the
// tour stays true.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

// BEGIN TOUR conv-pairs
#include <janus/torch/torch.h>

janus::Shape non_square_shapes() {
  using namespace janus::torch;
  // Kernel sizes, strides and paddings take one int or an (h, w) pair, as in torch.
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, {1, 7}).padding({0, 3}));
  nn::MaxPool2d pool(nn::Pool2dOptions({3, 2}).stride({2, 1}).ceil_mode(true));
  janus::Tensor x = janus::ones({1, 3, 10, 10});
  return pool(conv(x)).shape();  // (1, 8, 5, 9)
}
// END TOUR

// BEGIN TOUR tensor-members
#include <janus/torch/torch.h>

#include <sstream>

std::string tensor_members() {
  using janus::Tensor;
  Tensor x = janus::arange(0, 24).view({2, 3, 4});     // torch.arange(24.).view(2, 3, 4)
  Tensor row = x[1][2];                                // a view: writes reach x
  Tensor cols = x.narrow(2, 1, 2).permute({2, 0, 1});  // (2, 2, 3)
  auto [values, indices] = x.max(-1);                  // torch.max(x, dim=-1)
  Tensor both = janus::stack({x.sum(0), x.mean(0)});   // (2, 3, 4)
  std::ostringstream out;
  out << row << "\n" << indices << "\n" << janus::from_vector({1.5f, -2.25f, 3.0f, 400.0f}, {2, 2}).t() << "\n"
      << cols.shape()[0] << " " << values[0][0].item() << " " << both.shape()[0];
  return out.str();
}
// END TOUR

// BEGIN TOUR training-recipe
#include <janus/torch/torch.h>

// Returns how much the loss fell over 20 steps.
float torch_recipe() {
  using namespace janus::torch;
  using janus::Tensor;
  manual_seed(0);
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)),
      std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(8)), std::make_shared<nn::LeakyReLU>(0.1),
      std::make_shared<nn::Dropout2d>(0.1), std::make_shared<nn::AdaptiveAvgPool2d>(1),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(8, 4)});
  nn::init::kaiming_normal_(net->parameters()[0], 0.0, "fan_out", "relu");
  // The standard recipe: no weight decay for BN parameters and biases (the 1-D tensors).
  std::vector<Tensor> decay, no_decay;
  for (auto& [name, p] : net->named_parameters()) (p.dim() <= 1 ? no_decay : decay).push_back(p);
  const optim::SGDOptions defaults = optim::SGDOptions(0.05).momentum(0.9).weight_decay(5e-4);
  optim::SGD opt(decay, defaults);
  opt.add_param_group(no_decay, optim::SGDOptions(defaults).weight_decay(0));
  optim::OneCycleLR sched(opt, optim::OneCycleLROptions(0.1, 20));
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().label_smoothing(0.1).ignore_index(-1));

  Tensor x = janus::randn({16, 3, 8, 8});
  Tensor y = janus::from_vector({0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, -1}, {16});
  float first_loss = 0, loss_value = 0;
  for (int step = 0; step < 20; ++step) {
    Tensor loss = criterion((*net)(x), y);
    opt.zero_grad();
    loss.backward();
    nn::utils::clip_grad_norm_(net->parameters(), 5.0);
    opt.step();
    sched.step();
    loss_value = loss.item();
    if (step == 0) first_loss = loss_value;
  }
  net->eval();
  NoGradGuard no_grad;
  nn::save_state_dict(*net, "tour_net.safetensors");  // reloads in PyTorch by name
  std::remove("tour_net.safetensors");
  return first_loss - loss_value;
}
// END TOUR

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("tour: non-square convolution and pooling shapes", "[tour]") {
  CHECK(non_square_shapes() == janus::Shape{1, 8, 5, 9});
}

TEST_CASE("tour: tensor members and printing", "[tour]") {
  CHECK(tensor_members() ==
        "tensor([20., 21., 22., 23.])\n"
        "tensor([[3., 3., 3.],\n"
        "        [3., 3., 3.]])\n"
        "tensor([[  1.5000,   3.0000],\n"
        "        [ -2.2500, 400.0000]])\n"
        "2 3 2");
}

TEST_CASE("tour: the training recipe runs and learns", "[tour]") {
  const float fell = torch_recipe();
  CHECK(std::isfinite(fell));
  CHECK(fell > 0.0f);
}

TEST_CASE("docs/pytorch_tour.md shows every tour snippet verbatim", "[tour]") {
  const std::string source = read(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_pytorch_tour.cpp");
  const std::string page = read(std::string(JANUS_GOLDEN_DIR) + "/../../docs/pytorch_tour.md");
  const std::string begin = "// BEGIN TOUR ", end = "// END TOUR";
  int blocks = 0;
  for (size_t at = source.find(begin); at != std::string::npos; at = source.find(begin, at + 1)) {
    // The quoted marker names in this test's own text are not blocks.
    if (source.compare(at + begin.size(), 1, "<") == 0 || source[at - 1] == '"') continue;
    const size_t b = source.find('\n', at) + 1;
    const std::string block = source.substr(b, source.find(end, b) - b);
    INFO("snippet " << source.substr(at + begin.size(), b - 1 - at - begin.size()));
    CHECK(page.find("```cpp\n" + block + "```") != std::string::npos);
    ++blocks;
  }
  CHECK(blocks >= 1);
}
