// batch_size_sweep: the GroupNorm paper's Table 2 at small scale. The benchmark CNN with
// BN, GroupNorm and per-channel norm, trained at batch sizes 32, 16, 8, 4, 2 on CIFAR-style
// data (synthetic by default) from the same initial weights. The recipe is the paper's:
// a fixed budget of epochs (every batch size sees the same images, so a batch of 2 takes
// 16x the steps of a batch of 32), the linear scaling rule lr = --lr * batch / 32, per-step
// linear warm-up over --warmup epochs, then per-step cosine decay to 0. Writes test error
// per (norm, batch) to CSV and a PNG of error vs batch size; BN is evaluated with its
// running statistics. The budget matters: on the synthetic set GroupNorm's loss sits near
// chance for its first ~10000 images (at any lr), so with the old 3-epoch x 3000 budget
// the cosine had decayed the lr before GN started to learn and GN looked broken.
//
//   batch_size_sweep                                   # 3000 synthetic images x 10 epochs
//   batch_size_sweep --norms bn,gn --batches 32,4      # a quicker look
#include "common/bench_cnn.h"
#include "common/cifar_data.h"
#include "common/cli.h"
#include "common/data_flags.h"
#include "common/train_loop.h"

#include <janus/core/error.h>
#include <janus/core/optim/optim.h>
#include <janus/training/csv_history.h>
#include <janus/training/output_dir.h>
#include <janus/training/plot.h>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

using namespace janus;
using namespace janus::examples;
using janus::training::join_path;

namespace {

struct Options {
  std::string norms = "bn,gn,pcn";
  std::string batches = "32,16,8,4,2";
  int epochs = 10;
  DataFlags data;
  double lr = 0.005;  // at batch 32, scaled linearly with the batch (= 0.01 at 64, peak_lr.h)
  double warmup = 1.0;  // epochs
  uint64_t seed = 0;
  int threads = 0;
  std::string out = "batch_size_sweep_out";
};

int run_main(const Options& o, const DataSpec& data_spec) {
  apply_threads(o.threads);
  const auto norms = split_list(o.norms);
  for (const auto& n : norms) check_norm_kind(n);  // all of them before any training
  std::vector<int64_t> batches;
  for (const auto& b : split_list(o.batches)) {
    char* end = nullptr;
    const long v = std::strtol(b.c_str(), &end, 10);
    JANUS_CHECK(end && *end == '\0' && v >= 2, "--batches: expected integers >= 2 such as 32,16,8 (got '{}')", b);
    batches.push_back(v);
  }
  JANUS_CHECK(!norms.empty() && !batches.empty(), "--norms and --batches must not be empty");
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.lr > 0, "--lr: expected > 0 (got {})", o.lr);
  JANUS_CHECK(o.warmup >= 0 && o.warmup <= o.epochs, "--warmup: expected 0..--epochs (got {})", o.warmup);
  training::ensure_output_dir(o.out, "--out");
  const CifarData data = load_cifar_data(data_spec);
  // Every setting is checked before the first (long) run: a bad batch size fails now.
  for (int64_t b : batches)
    JANUS_CHECK(b <= data.train.size(), "--batches: expected at most the training set size {} (got {})",
                data.train.size(), b);
  fmt::print("data: {}\nrecipe: {} epoch(s) = the same {} training images at every batch size; SGD momentum 0.9, "
             "wd 5e-4; lr = {} * batch / 32; {} epoch(s) of per-step linear warm-up, then per-step cosine to 0; "
             "random crop + horizontal flip (make_train_loader, as every recipe)\n",
             data.description, o.epochs, o.epochs * data.train.size(), o.lr, o.warmup);
  const std::string csv_path = join_path(o.out, "batch_size_sweep.csv");
  training::CsvHistory csv(csv_path, {"norm", "batch", "lr", "test_acc", "test_error", "train_loss", "seconds"});
  auto test_loader = make_eval_loader(data.test, 500);
  for (const auto& norm : norms) {
    for (int64_t b : batches) {
      auto net = make_bench_cnn_for_seed(norm, o.seed, data.train.num_classes());
      auto loader = make_train_loader(data.train, b, o.seed);
      const double lr = o.lr * static_cast<double>(b) / 32.0;
      const int64_t spe = loader->num_batches();
      const auto warm = static_cast<int64_t>(o.warmup * static_cast<double>(spe));
      optim::SGD opt(net->parameters(), optim::SGDOptions(lr).momentum(0.9).weight_decay(5e-4));
      optim::LambdaLR sched(opt, optim::warmup_cosine(warm, spe * o.epochs));
      int64_t step = 0;
      EpochStats tr;
      double seconds = 0;
      std::string losses;
      for (int ep = 0; ep < o.epochs; ++ep) {
        tr = train_epoch(*net, *loader, ep, opt, &sched, step);
        seconds += tr.seconds;
        losses += fmt::format(" {:.3f}", tr.loss);
      }
      const EpochStats te = evaluate(*net, *test_loader);
      csv.append({norm, b, lr, te.acc, 100.0 * (1.0 - te.acc), tr.loss, seconds});
      fmt::print("{:>4} batch {:>3} (lr {:.5f}, {} steps): test error {:5.1f}%  train loss per epoch{}  {:.1f}s\n", norm,
                 b, lr, step, 100.0 * (1.0 - te.acc), losses, seconds);
      std::fflush(stdout);
    }
  }
  training::PlotSpec spec(join_path(o.out, "batch_size_sweep.png"),
                          fmt::format("Test error vs batch size ({}, {} epochs; GroupNorm paper Table 2 at small scale)",
                                      o.data.synthetic() ? "synthetic data" : "CIFAR-10", o.epochs));
  spec.size(1000, 650);
  auto& p = spec.panel("Test error (BN evaluated with running statistics)", "batch size (log scale)", "test error (%)");
  p.log_x().key(training::KeySide::kBelow);
  for (size_t i = 0; i < norms.size(); ++i)
    p.line(csv_path, "batch", "test_error", norm_description(norms[i]), false, static_cast<int>(i)).where("norm", norms[i]);
  fmt::print("plot: {}\nwrote {}\n", training::plot_png(spec).message, csv_path);
  // The table, as in the paper: rows = norms, columns = batch sizes.
  const auto t = training::read_csv(csv_path);
  fmt::print("\ntest error (%)   ");
  for (int64_t b : batches) fmt::print("{:>8}", fmt::format("bs {}", b));
  fmt::print("\n");
  for (const auto& norm : norms) {
    fmt::print("{:<16} ", norm);
    for (const auto& row : t.rows)
      if (row[0] == norm) fmt::print("{:>8.1f}", std::stod(row[4]));
    fmt::print("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data.spec.train_size = 3000;
  o.data.spec.test_size = 1000;
  o.data.cifar_all_by_default = false;  // 15 runs: CIFAR is capped at these sizes too
  CLI::App app{"batch_size_sweep: BN vs GroupNorm vs per-channel norm as the batch shrinks"};
  app.add_option("--norms", o.norms, "comma-separated, from: bn, in-affine (alias pcn), in, pc-std, pc-std-unbiased, gn, ln, none")->capture_default_str();
  app.add_option("--batches", o.batches, "comma-separated batch sizes")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs per run")->capture_default_str();
  add_data_flags(app, o.data);
  app.add_option("--lr", o.lr, "learning rate at batch 32; batch N uses lr * N / 32")->capture_default_str();
  app.add_option("--warmup", o.warmup, "epochs of per-step linear warm-up before the cosine decay")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and data order")->capture_default_str();
  add_threads_flag(app, o.threads);
  add_out_flag(app, o.out);
  if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;
  const DataSpec spec = finish_data_flags(app, o.data);
  return run_reporting_errors("batch_size_sweep", [&] { return run_main(o, spec); });
}
