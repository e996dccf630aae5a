// train_cifar: trains the benchmark CNN (shared/reference/torch_cifar_bench.py) on CIFAR-10
// or the synthetic default, from either frontend, with the recipe of compare_norms (SGD
// momentum 0.9, batch 64, one epoch of linear warm-up then per-step cosine decay to 0,
// weight decay, random crop pad 4 + flip redone every epoch by the DataLoader; peak lr
// 0.05 on CIFAR as the reference, 0.01 on the synthetic set, where 0.05 stalls at chance
// -- in PyTorch too, see docs/examples.md):
//   --frontend torch  eager torch-style modules: exactly compare_norms' training of one
//                     norm (LambdaLR warmup_cosine per step, coupled weight decay 5e-4);
//   --frontend keras  keras::Sequential compiled to a Graph, written as a Keras 3 user
//                     would: SGD(CosineDecay(warmup_target, warmup_steps), momentum 0.9,
//                     weight_decay 5e-3 -- Keras' decoupled form of torch's 5e-4, see
//                     run_keras) and one fit() for all epochs on the same loader's batches
//                     (a PyDataset: same order, crops and flips, channels-last), with
//                     CSVLogger and ModelCheckpoint(save_best_only) callbacks.
// Keras-style progress, a CSV history (Keras CSVLogger columns), a safetensors checkpoint,
// and the final test accuracy.
//
//   train_cifar --frontend keras --norm bn --epochs 3
//   train_cifar --data ../shared/data/cifar-10-batches-bin --norm pcn --epochs 5
// --frontend torch also writes a training checkpoint (model, optimizer, schedule, epoch)
// after every epoch, training_epoch<N>.safetensors, recording the flags the schedule and the
// data order depend on; --resume PATH continues from one bit for bit like a run never
// stopped, given the same flags (each that differs is an error naming it: the per-step
// schedule spans --epochs x the steps per epoch). history.csv keeps the earlier epochs'
// rows and gets the resumed ones appended, so it covers the whole run.
#include "common/bench_cnn.h"
#include "common/cifar_data.h"
#include "common/data_parallel.h"
#include "common/cli.h"
#include "common/data_flags.h"
#include "common/keras_bench_cnn.h"
#include "common/keras_loader_dataset.h"
#include "common/peak_lr.h"
#include "common/stale_outputs.h"
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

#include <algorithm>

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
  std::string resume;  // --frontend torch: a training checkpoint to continue from
};

const std::vector<std::string> kHistoryColumns = {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"};

// What the torch run's per-step schedule (warmup_cosine(spe, spe x epochs), a LambdaLR whose
// function is not saved), its peak lr and its data order are built from: recorded in every
// training checkpoint and required again by --resume, named by flag.
nn::RunSettings torch_run_settings(const Options& o, const CifarData& data, int64_t spe) {
  return {{"--norm", o.norm},
          {"--epochs", std::to_string(o.epochs)},
          {"--batch", std::to_string(o.batch)},
          {"--lr", fmt::format("{}", o.lr)},
          {"--train-size", std::to_string(data.train.size())},
          {"--seed", std::to_string(o.seed)},
          {"steps per epoch", std::to_string(spe)},
          // Under mpirun augmentation is drawn per sample, without it per batch.
          {"sampler", under_mpirun() ? "distributed" : "single"},
          // Per-process BN computes statistics over batch / N: another model at another N.
          // The other norms (syncbn included) compute the same numbers at every N.
          {"processes (--norm bn)", o.norm == "bn" ? std::to_string(world_size()) : "any"}};
}

double run_torch(const Options& o, const CifarData& data) {
  auto net = make_bench_cnn_for_seed(o.norm, o.seed, data.train.num_classes());  // as compare_norms
  // Under mpirun: DistributedDataParallel, after the resume (rank 0's state is broadcast).
  std::shared_ptr<nn::Module> model = net;
  fmt::print("{}\nparameters: {}\n", net->repr(), net->num_parameters());
  auto loader = make_train_loader(data.train, o.batch, o.seed);
  auto test_loader = make_eval_loader(data.test, 500);
  const int64_t spe = loader->num_batches();
  optim::SGD opt(net->parameters(), optim::SGDOptions(o.lr).momentum(0.9).weight_decay(5e-4));
  optim::LambdaLR sched(opt, optim::warmup_cosine(spe, spe * o.epochs));
  const nn::RunSettings settings = torch_run_settings(o, data, spe);
  const std::string history = join_path(o.out, "history.csv");
  int start = 0;
  if (!o.resume.empty()) {
    // Throws before restoring anything when a setting differs from the checkpoint's.
    start = static_cast<int>(nn::load_training_checkpoint(o.resume, *net, opt, &sched, settings));
    JANUS_CHECK(start <= o.epochs, "--resume: '{}' finished {} epoch(s), more than --epochs {}", o.resume, start,
                o.epochs);
    JANUS_CHECK(sched.last_step() == start * spe && opt.steps() == start * spe,
                "--resume: '{}' after epoch {} of {} steps: expected scheduler and optimizer at step {} (got {} and {})",
                o.resume, start, spe, start * spe, sched.last_step(), opt.steps());
    fmt::print("resumed from {} after epoch {} (step {}, lr {})\n", o.resume, start, opt.steps(), opt.lr());
  }
  model = data_parallel(net);
  // On resume: the finished epochs' rows stay (any later ones, from a newer checkpoint or
  // an epoch cut short, go), the resumed epochs are appended.
  training::CsvHistory csv = o.resume.empty()
                                 ? training::CsvHistory(history, kHistoryColumns)
                                 : training::CsvHistory::reopen(history, kHistoryColumns, static_cast<size_t>(start));
  if (static_cast<int>(csv.num_rows()) < start)
    fmt::print("note: {} holds {} of the {} epoch(s) before the resume (another --out?); it continues from there\n",
               history, csv.num_rows(), start);
  int64_t step = start * spe;
  double acc = 0;
  if (start == o.epochs) {  // the run was stopped after its last checkpoint, before model.safetensors
    fmt::print("all {} epoch(s) were finished before the resume: writing the final model\n", o.epochs);
    acc = evaluate(*net, *test_loader).acc;
  }
  for (int ep = start; ep < o.epochs; ++ep) {
    fmt::print("Epoch {}/{}\n", ep + 1, o.epochs);
    training::ProgressBar bar(spe);
    EpochStats tr = train_epoch(*model, *loader, ep, opt, &sched, step, {}, [&](int64_t b, int64_t, double l, double a) {
      bar.update(b + 1, {{"loss", l}, {"accuracy", a}});
    });
    EpochStats te = evaluate(*model, *test_loader);
    bar.finish({{"val_loss", te.loss}, {"val_accuracy", te.acc}});
    csv.append({ep, tr.acc, tr.loss, te.acc, te.loss});
    acc = te.acc;
    if (is_root())  // every rank holds the same model, optimizer and schedule
      nn::save_training_checkpoint(join_path(o.out, fmt::format("training_epoch{}.safetensors", ep + 1)), *net, opt,
                                   &sched, ep + 1, settings);
  }
  const std::string ckpt = join_path(o.out, "model.safetensors");
  if (is_root()) nn::save_state_dict(*net, ckpt);
  fmt::print("checkpoint: {} (PyTorch names, e.g. 0.weight, 1.running_mean)\n", ckpt);
  return acc;
}

// The Keras way: the recipe as Keras 3 objects, fit() once for all epochs.
//   * learning_rate: CosineDecay with warm-up, evaluated at every step. Keras' warm-up is
//     the line initial + (target - initial) step / warmup_steps; initial = lr / spe makes
//     step 0 use lr / spe as the torch path's warmup_cosine does; Keras reaches lr at step
//     spe, torch one step earlier, so the two differ by at most lr / spe during the first
//     epoch. The cosine part over the remaining spe (epochs - 1) steps is identical.
//   * weight_decay: Keras' decay is decoupled (w -= w wd lr, outside momentum). The torch
//     path adds 5e-4 w to the gradient, which the momentum buffer accumulates: in steady
//     state that shrinks w by lr 5e-4 / (1 - 0.9) = lr 5e-3 per step. Both scale with the
//     scheduled lr, so weight_decay 5e-3 gives the same per-step shrinkage throughout.
//   * data: the same DataLoader (channels-last) as a PyDataset; it shuffles, crops and
//     flips anew each epoch, so fit() must not reorder its batches (shuffle false).
double run_keras(const Options& o, const CifarData& data) {
  keras::Sequential model = make_keras_bench_cnn(o.norm, data.train.num_classes());
  auto loader = make_train_loader(data.train, o.batch, o.seed, true, datasets::Layout::kNHWC);
  LoaderPyDataset source(*loader);
  const int64_t spe = loader->num_batches();
  namespace sch = keras::optimizers::schedules;
  const auto lr = sch::CosineDecay(o.lr / static_cast<double>(spe), std::max<int64_t>(1, spe * (o.epochs - 1)))
                      .warmup_target(o.lr)
                      .warmup_steps(spe);
  constexpr double kTorchWeightDecay = 5e-4, kMomentum = 0.9;
  model.compile(keras::optimizers::SGD(lr).momentum(kMomentum).weight_decay(kTorchWeightDecay / (1.0 - kMomentum)),
                keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
  model.summary();
  const Tensor xt = nchw_to_nhwc(data.test.images()), yt = data.test.labels_tensor();
  const std::string ckpt = join_path(o.out, "model.safetensors");
  namespace cb = keras::callbacks;
  auto csv = std::make_shared<cb::CSVLogger>(join_path(o.out, "history.csv"));
  auto best = std::make_shared<cb::ModelCheckpoint>(ckpt, "val_accuracy");
  best->save_best_only(true);
  const keras::History h = model.fit(source, keras::FitOptions()
                                                 .epochs(o.epochs)
                                                 .shuffle(false)
                                                 .validation_data(xt, yt)
                                                 .batch_size(500)  // validation batches
                                                 .callbacks({csv, best})
                                                 .verbose(2));
  const auto& val = h.history.at("val_accuracy");
  fmt::print("checkpoint: {} (best val_accuracy {:.4f}; Keras names, e.g. conv2d/kernel)\n", ckpt,
             *std::max_element(val.begin(), val.end()));
  return val.back();
}

int run_main(const Options& o, const DataSpec& spec) {
  apply_threads(o.threads);
  JANUS_CHECK(o.frontend == "torch" || o.frontend == "keras", "--frontend: expected torch or keras (got '{}')",
              o.frontend);
  check_norm_kind(o.norm);
  JANUS_CHECK(o.resume.empty() || o.frontend == "torch", "--resume: supported with --frontend torch only (got {})",
              o.frontend);
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.lr > 0, "--lr: expected > 0 (got {})", o.lr);
  if (is_root()) {  // under mpirun rank 0 alone writes (and probes) the output directory
    training::ensure_output_dir(o.out, "--out");
    remove_stale_outputs(o.out, R"(training_epoch[0-9]+\.safetensors|model\.safetensors|history\.csv)");
  }
  check_global_batch(o.batch);
  const CifarData data = load_cifar_data(spec);
  fmt::print("data: {}\nfrontend: {}, norm: {}, batch {}, lr {}, seed {}, {} thread(s)\n", data.description,
             o.frontend, norm_description(o.norm), o.batch, o.lr, o.seed, num_threads());
  fmt::print("{}", data_parallel_line(o.batch));
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
  app.add_option("--norm", o.norm, "bn, syncbn, in-affine (alias pcn), in, pc-std, pc-std-unbiased, gn, ln or none (docs/normalization.md)")->capture_default_str();
  add_data_flags(app, o.data);
  app.add_option("--epochs", o.epochs, "epochs")->capture_default_str();
  app.add_option("--batch", o.batch, "batch size (under mpirun the global batch)")->capture_default_str();
  add_peak_lr_flag(app, o.lr);
  app.add_option("--seed", o.seed, "seed of the weights and the data order")->capture_default_str();
  add_threads_flag(app, o.threads);
  add_out_flag(app, o.out);
  app.add_option("--resume", o.resume, "--frontend torch: continue from a training_epoch<N>.safetensors");
  if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;
  const DataSpec spec = finish_data_flags(app, o.data);
  o.lr = resolve_peak_lr(app, o.data, o.lr);  // as compare_norms: 0.05, or 0.01 on synthetic data
  return run_reporting_errors("train_cifar", [&] { return run_main(o, spec); });
}
