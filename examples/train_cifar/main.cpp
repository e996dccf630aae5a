// train_cifar: trains the benchmark CNN (shared/reference/torch_cifar_bench.py) on CIFAR-10
// or the synthetic default, from either frontend, with the recipe of compare_norms (SGD
// momentum 0.9, batch 64, one epoch of warm-up then cosine, random crop pad 4 + flip; peak
// lr 0.05 on CIFAR as the reference, 0.01 on the synthetic set, where 0.05 stalls at chance
// -- in PyTorch too, see docs/examples.md):
//   --frontend torch  eager torch-style modules: exactly compare_norms' training of one
//                     norm (per-step schedule, weight decay 5e-4);
//   --frontend keras  keras::Sequential compiled to a Graph, trained with fit() once per
//                     epoch on that epoch's batches from the same loader (same order, same
//                     crops and flips, channels-last). fit() has no per-batch hooks and the
//                     Keras SGD no weight decay: the lr is set per epoch (the mean of the
//                     per-step schedule over that epoch) and there is no weight decay.
// Keras-style progress, a CSV history (Keras CSVLogger columns), a safetensors checkpoint,
// and the final test accuracy.
//
//   train_cifar --frontend keras --norm bn --epochs 3
//   train_cifar --data ../shared/data/cifar-10-batches-bin --norm pcn --epochs 5
#include "common/bench_cnn.h"
#include "common/cifar_data.h"
#include "common/cli.h"
#include "common/data_flags.h"
#include "common/keras_bench_cnn.h"
#include "common/peak_lr.h"
#include "common/train_loop.h"

#include <janus/core/error.h>
#include <janus/core/ops/shape_ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/parallel.h>
#include <janus/keras/keras.h>
#include <janus/layers/checkpoint.h>
#include <janus/training/csv_history.h>
#include <janus/training/output_dir.h>
#include <janus/training/progress_bar.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

using namespace janus;
using namespace janus::examples;
using janus::training::join_path;

namespace {

struct Options {
  std::string frontend = "torch";
  std::string norm = "bn";
  DataFlags data;
  int epochs = 5;
  int64_t batch = 64;
  double lr = kReferencePeakLr;  // resolve_peak_lr(): 0.01 with --data synthetic unless --lr is given
  uint64_t seed = 0;
  int threads = 0;
  std::string out = "train_cifar_out";
};

const std::vector<std::string> kHistoryColumns = {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"};

double run_torch(const Options& o, const CifarData& data) {
  auto net = make_bench_cnn_for_seed(o.norm, o.seed, data.train.num_classes());  // as compare_norms
  fmt::print("{}\nparameters: {}\n", net->repr(), net->num_parameters());
  auto loader = make_train_loader(data.train, o.batch, o.seed);
  auto test_loader = make_eval_loader(data.test, 500);
  const int64_t spe = loader->num_batches();
  optim::SGD opt(net->parameters(), optim::SGDOptions(o.lr).momentum(0.9).weight_decay(5e-4));
  optim::LambdaLR sched(opt, optim::warmup_cosine(spe, spe * o.epochs));
  training::CsvHistory csv(join_path(o.out, "history.csv"), kHistoryColumns);
  int64_t step = 0;
  double acc = 0;
  for (int ep = 0; ep < o.epochs; ++ep) {
    fmt::print("Epoch {}/{}\n", ep + 1, o.epochs);
    training::ProgressBar bar(spe);
    EpochStats tr = train_epoch(*net, *loader, ep, opt, &sched, step, {}, [&](int64_t b, int64_t, double l, double a) {
      bar.update(b + 1, {{"loss", l}, {"accuracy", a}});
    });
    EpochStats te = evaluate(*net, *test_loader);
    bar.finish({{"val_loss", te.loss}, {"val_accuracy", te.acc}});
    csv.append({ep, tr.acc, tr.loss, te.acc, te.loss});
    acc = te.acc;
  }
  const std::string ckpt = join_path(o.out, "model.safetensors");
  nn::save_state_dict(*net, ckpt);
  fmt::print("checkpoint: {} (PyTorch names, e.g. 0.weight, 1.running_mean)\n", ckpt);
  return acc;
}

// One epoch of the torch loader's batches (shuffled, cropped, flipped; channels-last),
// concatenated in order: fit() with shuffle off then sees exactly the torch run's batches.
void augmented_epoch(datasets::DataLoader& loader, int epoch, Tensor& x, Tensor& y) {
  std::vector<Tensor> xs, ys;
  for (const datasets::Batch& b : loader.epoch(epoch)) {
    xs.push_back(b.images);
    ys.push_back(b.labels);
  }
  x = concat(xs, 0);  // (N, 32, 32, 3)
  y = concat(ys, 0);  // (N)
}

double run_keras(const Options& o, const CifarData& data) {
  keras::Sequential model = make_keras_bench_cnn(o.norm, data.train.num_classes());
  model.compile(keras::optimizers::SGD(o.lr).momentum(0.9),
                keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  model.summary();
  auto loader = make_train_loader(data.train, o.batch, o.seed, true, datasets::Layout::kNHWC);
  const Tensor xt = nchw_to_nhwc(data.test.images()), yt = data.test.labels_tensor();
  const int64_t spe = loader->num_batches();
  const auto schedule = optim::warmup_cosine(spe, spe * o.epochs);
  training::CsvHistory csv(join_path(o.out, "history.csv"), kHistoryColumns);
  const std::string ckpt = join_path(o.out, "model.safetensors");
  double best = -1, acc = 0;
  for (int ep = 0; ep < o.epochs; ++ep) {
    double factor = 0;  // mean of the per-step schedule over this epoch's steps
    for (int64_t s = 0; s < spe; ++s) factor += schedule(ep * spe + s);
    model.optimizer().set_lr(o.lr * factor / static_cast<double>(spe));
    Tensor x, y;
    augmented_epoch(*loader, ep, x, y);
    const auto t0 = std::chrono::steady_clock::now();
    const keras::History h = model.fit(
        x, y, keras::FitOptions().epochs(1).batch_size(o.batch).shuffle(false).validation_data(xt, yt).verbose(0));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto last = [&](const char* k) { return h.history.at(k).back(); };
    fmt::print("Epoch {}/{} - {:.0f}s - lr: {:.5f} - loss: {:.4f} - accuracy: {:.4f} - val_loss: {:.4f} - "
               "val_accuracy: {:.4f}\n",
               ep + 1, o.epochs, secs, model.optimizer().lr(), last("loss"), last("accuracy"), last("val_loss"),
               last("val_accuracy"));
    std::fflush(stdout);
    csv.append({ep, last("accuracy"), last("loss"), last("val_accuracy"), last("val_loss")});
    if (last("val_accuracy") > best) {  // ModelCheckpoint(save_best_only) on val_accuracy
      best = last("val_accuracy");
      model.save_weights(ckpt);
    }
    acc = last("val_accuracy");
  }
  fmt::print("checkpoint: {} (best val_accuracy {:.4f}; Keras names, e.g. conv2d/kernel)\n", ckpt, best);
  return acc;
}

int run_main(const Options& o, const DataSpec& spec) {
  apply_threads(o.threads);
  JANUS_CHECK(o.frontend == "torch" || o.frontend == "keras", "--frontend: expected torch or keras (got '{}')",
              o.frontend);
  check_norm_kind(o.norm);
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.lr > 0, "--lr: expected > 0 (got {})", o.lr);
  training::ensure_output_dir(o.out, "--out");
  const CifarData data = load_cifar_data(spec);
  fmt::print("data: {}\nfrontend: {}, norm: {}, batch {}, lr {}, seed {}, {} thread(s)\n", data.description,
             o.frontend, norm_description(o.norm), o.batch, o.lr, o.seed, num_threads());
  const double acc = o.frontend == "torch" ? run_torch(o, data) : run_keras(o, data);
  fmt::print("final test accuracy: {:.4f}\nhistory: {}\n", acc, join_path(o.out, "history.csv"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data.spec.train_size = 4000;
  o.data.spec.test_size = 1000;
  CLI::App app{"train_cifar: the benchmark CNN from the torch or the keras frontend"};
  app.add_option("--frontend", o.frontend, "torch or keras")->capture_default_str();
  app.add_option("--norm", o.norm, "bn, pcn, in, gn, ln or none")->capture_default_str();
  add_data_flags(app, o.data);
  app.add_option("--epochs", o.epochs, "epochs")->capture_default_str();
  app.add_option("--batch", o.batch, "batch size")->capture_default_str();
  add_peak_lr_flag(app, o.lr);
  app.add_option("--seed", o.seed, "seed of the weights and the data order")->capture_default_str();
  add_threads_flag(app, o.threads);
  add_out_flag(app, o.out);
  if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;
  const DataSpec spec = finish_data_flags(app, o.data);
  o.lr = resolve_peak_lr(app, o.data, o.lr);  // as compare_norms: 0.05, or 0.01 on synthetic data
  return run_reporting_errors("train_cifar", [&] { return run_main(o, spec); });
}
