// bn_paper_mnist: Figure 1 of the batch normalization paper (Ioffe & Szegedy 2015) at
// small scale. MNIST, three fully connected hidden layers of 100 sigmoid units, batch 60,
// trained with and without BN (BN before each sigmoid) from the same initial weights and
// the same batches. Every --eval-every steps: test accuracy, and the 15th/50th/85th
// percentiles of one last-hidden-layer sigmoid input (unit --unit) over the test images.
//
//   bn_paper_mnist --data ../shared/data/mnist --steps 5000
#include "common/bench_cnn.h"
#include "common/cli.h"

#include <janus/core/autograd.h>
#include <janus/core/error.h>
#include <janus/core/ops/nn.h>
#include <janus/core/optim/optim.h>
#include <janus/datasets/data_loader.h>
#include <janus/datasets/mnist.h>
#include <janus/layers/activation.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/sequential.h>
#include <janus/training/csv_history.h>
#include <janus/training/metrics.h>
#include <janus/training/module_taps.h>
#include <janus/training/output_dir.h>
#include <janus/training/plot.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

using namespace janus;
using janus::training::join_path;

namespace {

struct Options {
  std::string data;
  std::string out = "bn_paper_mnist_out";
  int64_t steps = 10000;
  int64_t eval_every = 250;
  int64_t batch = 60;
  double lr = 0.5;
  uint64_t seed = 0;
  int64_t unit = 0;
  int64_t percentile_images = 2000;
  int threads = 0;
};

// 784 -> [100 sigmoid] x3 -> 10; with_bn puts BatchNorm1d before each sigmoid.
std::shared_ptr<nn::Sequential> make_mlp(bool with_bn, Generator& gen) {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Flatten>());
  int64_t in = 784;
  for (int i = 0; i < 3; ++i) {
    net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(in, 100).bias(!with_bn).generator(&gen)));
    if (with_bn) net->push_back(examples::make_norm_layer("bn1d", 100));
    net->push_back(std::make_shared<nn::Sigmoid>());
    in = 100;
  }
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(100, 10).generator(&gen)));
  return net;
}

// Test accuracy (eval mode) and the sigmoid input of `unit` of the last hidden layer.
void measure(nn::Sequential& net, const datasets::Dataset& test, const Options& o, double& acc,
             std::vector<double>& unit_inputs) {
  NoGradGuard no_grad;
  net.eval();
  nn::Module* last_sigmoid = nullptr;
  for (const auto& [name, child] : net.named_children())
    if (child->type_name() == "Sigmoid") last_sigmoid = child.get();
  datasets::DataLoader loader(test, datasets::DataLoaderOptions(1000).shuffle(false).prefetch(0));
  int64_t hits = 0, n = 0;
  unit_inputs.clear();
  for (const datasets::Batch& b : loader.epoch(0)) {
    Tensor logits = training::forward_with_taps(
        net, b.images, [&](const nn::Module& m) { return &m == last_sigmoid; },
        [&](const std::string&, nn::Module&, const Tensor& in) {
          for (int64_t i = 0; i < in.size(0) && n + i < o.percentile_images; ++i)
            unit_inputs.push_back(in.data()[i * in.size(1) + o.unit]);
        });
    hits += training::count_correct(logits, b.labels);
    n += b.labels.numel();
  }
  acc = static_cast<double>(hits) / static_cast<double>(n);
  net.train();
}

int run_main(const Options& o) {
  examples::apply_threads(o.threads);
  JANUS_CHECK(!o.data.empty(), "--data: expected the MNIST directory (train-images-idx3-ubyte[.gz], ...); "
              "scripts/get_data.sh downloads it");
  training::require_dir(o.data, "--data");
  JANUS_CHECK(o.steps >= 1 && o.eval_every >= 1, "--steps and --eval-every: expected >= 1 (got {}, {})", o.steps,
              o.eval_every);
  JANUS_CHECK(o.unit >= 0 && o.unit < 100, "--unit: expected 0..99 (got {})", o.unit);
  training::ensure_output_dir(o.out, "--out");
  const auto train = datasets::load_mnist(o.data, datasets::Split::kTrain);
  const auto test = datasets::load_mnist(o.data, datasets::Split::kTest);
  fmt::print("MNIST: {} train / {} test images; {} steps of batch {}, SGD lr {}\n", train.size(), test.size(), o.steps,
             o.batch, o.lr);

  training::CsvHistory csv(join_path(o.out, "bn_paper_mnist.csv"), {"model", "step", "test_acc", "p15", "p50", "p85"});
  for (bool with_bn : {false, true}) {
    const std::string model = with_bn ? "with BN" : "without BN";
    Generator gen(o.seed);  // same initial weights (BN nets have no hidden-layer bias; drawn after)
    auto net = make_mlp(with_bn, gen);
    optim::SGD opt(net->parameters(), optim::SGDOptions(o.lr));
    datasets::DataLoader loader(train, datasets::DataLoaderOptions(o.batch).seed(o.seed).drop_last(true));
    const auto t0 = std::chrono::steady_clock::now();
    int64_t step = 0, epoch = 0;
    auto log_point = [&] {
      double acc;
      std::vector<double> u;
      measure(*net, test, o, acc, u);
      const double p15 = training::percentile(u, 15), p50 = training::percentile(u, 50), p85 = training::percentile(u, 85);
      csv.append({model, step, acc, p15, p50, p85});
      fmt::print("{:>10} step {:>6}: test acc {:.4f}  sigmoid input percentiles 15/50/85: {:+.3f} {:+.3f} {:+.3f}\n",
                 model, step, acc, p15, p50, p85);
      std::fflush(stdout);
    };
    log_point();
    while (step < o.steps) {
      loader.start_epoch(epoch++);
      datasets::Batch b;
      while (step < o.steps && loader.next(b)) {
        Tensor loss = cross_entropy((*net)(b.images), b.labels);
        opt.zero_grad();
        loss.backward();
        opt.step();
        ++step;
        if (step % o.eval_every == 0) log_point();
      }
    }
    fmt::print("{}: {:.1f} s\n", model, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const std::string csv_path = join_path(o.out, "bn_paper_mnist.csv");
  training::PlotSpec spec(join_path(o.out, "bn_paper_mnist.png"),
                          "BN paper, Figure 1 at small scale: MNIST, 3x100 sigmoid, batch 60");
  spec.size(1500, 480).columns(3);
  spec.panel("(a) Test accuracy", "training step", "test accuracy")
      .key(training::KeySide::kBelow)
      .line(csv_path, "step", "test_acc", "without BN", false, 0).where("model", "without BN")
      .line(csv_path, "step", "test_acc", "with BN", false, 1).where("model", "with BN");
  const char* models[] = {"without BN", "with BN"};
  for (int i = 0; i < 2; ++i) {
    auto& p = spec.panel(fmt::format("({}) Sigmoid input {}, unit {}", i == 0 ? "b" : "c", models[i], o.unit),
                         "training step", "input to the sigmoid");
    p.line(csv_path, "step", "p85", "85th percentile", true, 1).where("model", models[i]);
    p.line(csv_path, "step", "p50", "50th percentile", false, 0).where("model", models[i]);
    p.line(csv_path, "step", "p15", "15th percentile", true, 2).where("model", models[i]);
  }
  fmt::print("plot: {}\nwrote {}\n", training::plot_png(spec).message, csv_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const char* shared = "../shared/data/mnist";
  std::error_code ec;  // a symlink loop or an unreadable folder is "not there", never a throw
  if (std::filesystem::exists(shared, ec)) o.data = shared;
  CLI::App app{"bn_paper_mnist: the batch normalization paper's Figure 1 on MNIST"};
  app.add_option("--data", o.data, "MNIST IDX directory (raw or .gz)")->capture_default_str();
  app.add_option("--steps", o.steps, "training steps per model")->capture_default_str();
  app.add_option("--eval-every", o.eval_every, "steps between measurements")->capture_default_str();
  app.add_option("--batch", o.batch, "batch size")->capture_default_str();
  app.add_option("--lr", o.lr, "SGD learning rate (same for both models)")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and the batches")->capture_default_str();
  app.add_option("--unit", o.unit, "which last-layer unit's sigmoid input to follow")->capture_default_str();
  app.add_option("--percentile-images", o.percentile_images, "test images for the percentiles")->capture_default_str();
  examples::add_threads_flag(app, o.threads);
  examples::add_out_flag(app, o.out);
  if (int rc = examples::parse_flags(app, argc, argv); rc >= 0) return rc;
  return examples::run_reporting_errors("bn_paper_mnist", [&] { return run_main(o); });
}
