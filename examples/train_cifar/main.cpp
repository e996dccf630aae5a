// train_cifar: trains the benchmark CNN (shared/reference/torch_cifar_bench.py) on CIFAR-10
// or the synthetic default, from either frontend:
//   --frontend torch  eager torch-style modules, the reference recipe (SGD momentum 0.9,
//                     wd 5e-4, one epoch of warm-up then per-step cosine, crop + flip);
//   --frontend keras  keras::Sequential compiled to a Graph and trained with fit()
//                     (channels-last input; fit() has no augmentation; per-epoch schedule:
//                     lr/10 in epoch 1, then cosine).
// Keras-style progress, a CSV history (Keras CSVLogger columns), a safetensors checkpoint,
// and the final test accuracy.
//
//   train_cifar --frontend keras --norm bn --epochs 3
//   train_cifar --data ../shared/data/cifar-10-batches-bin --norm pcn --epochs 5
#include "common/bench_cnn.h"
#include "common/cifar_data.h"
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

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>

using namespace janus;
using namespace janus::examples;
using janus::training::join_path;

namespace {

struct Options {
  std::string frontend = "torch";
  std::string norm = "bn";
  DataSpec data;
  std::string train_files, test_files;
  int epochs = 5;
  int64_t batch = 64;
  double lr = 0.05;
  uint64_t seed = 0;
  int threads = 0;
  std::string out = "train_cifar_out";
};

double run_torch(const Options& o, const CifarData& data) {
  Generator gen(o.seed);
  auto net = make_bench_cnn(o.norm, gen, data.train.num_classes());
  fmt::print("{}\nparameters: {}\n", net->repr(), net->num_parameters());
  auto loader = make_train_loader(data.train, o.batch, o.seed);
  auto test_loader = make_eval_loader(data.test, 500);
  const int64_t spe = loader->num_batches();
  optim::SGD opt(net->parameters(), optim::SGDOptions(o.lr).momentum(0.9).weight_decay(5e-4));
  optim::LambdaLR sched(opt, optim::warmup_cosine(spe, spe * o.epochs));
  training::CsvHistory csv(join_path(o.out, "history.csv"), {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"});
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

keras::LayerRef keras_norm(const std::string& norm) {
  namespace kl = keras::layers;
  if (norm == "bn") return kl::BatchNormalization();
  if (norm == "pcn") return kl::GroupNormalization(-1);  // Keras' instance norm, center/scale on
  if (norm == "in") return kl::GroupNormalization(-1).center(false).scale(false);
  if (norm == "gn") return kl::GroupNormalization(8);
  if (norm == "ln") return kl::GroupNormalization(1);
  JANUS_FAIL("keras_norm: no layer for '{}'", norm);
}

double run_keras(const Options& o, const CifarData& data) {
  namespace kl = keras::layers;
  keras::Sequential model("bench_cnn");
  model.add(kl::Input({32, 32, 3}));
  auto block = [&](int64_t filters) {
    model.add(kl::Conv2D(filters, 3).padding("same").use_bias(o.norm == "none"));
    if (o.norm != "none") model.add(keras_norm(o.norm));
    model.add(kl::ReLU());
  };
  block(32);
  block(32);
  model.add(kl::MaxPooling2D(2));
  block(64);
  block(64);
  model.add(kl::MaxPooling2D(2));
  block(128);
  model.add(kl::MaxPooling2D(2));
  model.add(kl::Flatten());
  model.add(kl::Dense(data.train.num_classes()));
  model.compile(keras::optimizers::SGD(o.lr).momentum(0.9),
                keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  model.summary();
  const Tensor x = nchw_to_nhwc(data.train.images()), y = data.train.labels_tensor();
  const Tensor xt = nchw_to_nhwc(data.test.images()), yt = data.test.labels_tensor();
  const int epochs = o.epochs;
  const double lr = o.lr;
  auto schedule = std::make_shared<keras::callbacks::LearningRateScheduler>([=](int epoch, double) {
    if (epoch == 0 && epochs > 1) return lr / 10.0;
    const double t = epochs > 1 ? static_cast<double>(epoch - 1) / static_cast<double>(epochs - 1) : 0.0;
    return lr * 0.5 * (1.0 + std::cos(M_PI * t));
  });
  auto csv = std::make_shared<keras::callbacks::CSVLogger>(join_path(o.out, "history.csv"));
  auto ckpt = std::make_shared<keras::callbacks::ModelCheckpoint>(join_path(o.out, "model.safetensors"), "val_accuracy");
  ckpt->save_best_only(true);
  model.fit(x, y,
            keras::FitOptions().epochs(o.epochs).batch_size(o.batch).validation_data(xt, yt).seed(o.seed)
                .callbacks({schedule, csv, ckpt}));
  fmt::print("checkpoint: {} (Keras names, e.g. conv2d/kernel)\n", join_path(o.out, "model.safetensors"));
  return model.evaluate(xt, yt, 500).at("accuracy");
}

int run_main(Options o) {
  if (o.threads > 0) set_num_threads(o.threads);
  JANUS_CHECK(o.frontend == "torch" || o.frontend == "keras", "--frontend: expected torch or keras (got '{}')",
              o.frontend);
  check_norm_kind(o.norm);
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.lr > 0, "--lr: expected > 0 (got {})", o.lr);
  training::ensure_output_dir(o.out, "--out");
  o.data.train_files = split_list(o.train_files);
  o.data.test_files = split_list(o.test_files);
  const CifarData data = load_cifar_data(o.data);
  fmt::print("data: {}\nfrontend: {}, norm: {}, batch {}, lr {}, seed {}, {} thread(s)\n", data.description,
             o.frontend, norm_description(o.norm), o.batch, o.lr, o.seed, num_threads());
  const double acc = o.frontend == "torch" ? run_torch(o, data) : run_keras(o, data);
  fmt::print("final test accuracy: {:.4f}\nhistory: {}\n", acc, join_path(o.out, "history.csv"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data.train_size = 4000;
  o.data.test_size = 1000;
  CLI::App app{"train_cifar: the benchmark CNN from the torch or the keras frontend"};
  app.add_option("--frontend", o.frontend, "torch or keras")->capture_default_str();
  app.add_option("--norm", o.norm, "bn, pcn, in, gn, ln or none")->capture_default_str();
  app.add_option("--data", o.data.data, "'synthetic' or a CIFAR-10 binary directory")->capture_default_str();
  app.add_option("--train-files", o.train_files, "CIFAR training files (comma-separated)");
  app.add_option("--test-files", o.test_files, "CIFAR test files (comma-separated)");
  app.add_option("--train-size", o.data.train_size, "synthetic size, or first n CIFAR images (0 = all)")
      ->capture_default_str();
  app.add_option("--test-size", o.data.test_size, "synthetic size, or first n CIFAR test images")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs")->capture_default_str();
  app.add_option("--batch", o.batch, "batch size")->capture_default_str();
  app.add_option("--lr", o.lr, "peak learning rate")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and the data order")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0 = default)")->capture_default_str();
  app.add_option("--out", o.out, "output directory")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.data.data != "synthetic") {
    if (app.count("--train-size") == 0) o.data.train_size = 0;
    if (app.count("--test-size") == 0) o.data.test_size = 0;
  }
  try {
    return run_main(o);
  } catch (const janus::Error& e) {
    fmt::print(stderr, "train_cifar: error: {}\n", e.what());
    return 1;
  }
}
