// A user's first janus program, built outside the janus tree against an installed janus
// (examples/downstream/CMakeLists.txt with find_package, or pkg-config): a small conv net
// with batch norm, trained for a few SGD steps on a batch of the synthetic CIFAR-style set.
#include <janus/datasets/datasets.h>
#include <janus/torch/torch.h>

#include <fmt/core.h>

#include <memory>

int main() {
  using namespace janus;
  namespace nn = janus::torch::nn;
  namespace datasets = janus::datasets;

  datasets::Dataset train = datasets::to_float(datasets::make_synthetic(
      datasets::SyntheticOptions().train_size(64).test_size(16).seed(3), datasets::Split::kTrain));
  const Tensor& x = train.images();  // (64, 3, 32, 32)
  Tensor y = train.labels_tensor();

  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)));
  net->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(8)));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(4));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(8 * 8 * 8, 10));

  optim::SGD opt(net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  nn::CrossEntropyLoss criterion;
  float first = 0.0f, last = 0.0f;
  for (int step = 0; step < 20; ++step) {
    Tensor loss = criterion((*net)(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = loss.item();
    if (step == 0) first = last;
  }
  fmt::print("janus downstream: {} parameters, loss {:.4f} -> {:.4f}\n", net->num_parameters(), first, last);
  return last < first ? 0 : 1;
}
