// compare_norms: the main job. Trains the benchmark CNN of shared/reference/
// torch_cifar_bench.py with the same initial weights and the same data order under several
// normalizations (default BN and per-channel norm), with the recipe of
// shared/reference/torch_cifar_curves.py, and writes per-epoch curves (CSV + PNG), BN
// telemetry, BN evaluated with running vs recomputed population statistics, and a summary.
//
//   compare_norms                                    # synthetic data, bn vs pcn, ~minutes
//   compare_norms --data ../shared/data/cifar-10-batches-bin --epochs 5 --seeds 3
#include "common/bench_cnn.h"
#include "common/cifar_data.h"
#include "common/cli.h"
#include "common/data_parallel.h"
#include "common/data_flags.h"
#include "common/peak_lr.h"
#include "common/stale_outputs.h"
#include "common/train_loop.h"

#include <janus/core/error.h>
#include <janus/core/optim/optim.h>
#include <janus/core/parallel.h>
#include <janus/training/csv_history.h>
#include <janus/training/metrics.h>
#include <janus/training/module_taps.h>
#include <janus/training/norm_telemetry.h>
#include <janus/training/output_dir.h>
#include <janus/training/plot.h>
#include <janus/training/population_stats.h>
#include <janus/training/text_table.h>

#include <fmt/format.h>

#include <cstdio>
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

using namespace janus;
using namespace janus::examples;
using janus::training::join_path;

namespace {

struct Options {
  std::string norms = "bn,pcn";
  int seeds = 1;
  uint64_t seed = 0;
  int epochs = 4;
  DataFlags data;
  int64_t batch = 64;
  double lr = kReferencePeakLr, momentum = 0.9, weight_decay = 5e-4, warmup = 1.0;
  double target_acc = 0.6;
  int64_t telemetry_every = 20;
  int64_t popstats_images = 10000;
  int threads = 0;
  std::string out = "compare_norms_out";
};

struct Run {
  std::string norm;
  uint64_t seed = 0;
  std::vector<EpochStats> train, test;
  int64_t steps_per_epoch = 0;
  std::optional<double> pop_acc, pop_loss;  // BN with recomputed population statistics (none: n/a)
};

const std::vector<std::string> kCurveColumns = {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"};

Run train_one(const Options& o, const CifarData& data, const std::string& norm, uint64_t seed, bool telemetry) {
  Run run;
  run.norm = norm;
  run.seed = seed;
  // Same initial weights for every norm: conv/linear weights come from one master draw.
  auto net = make_bench_cnn_for_seed(norm, seed, data.train.num_classes());
  auto model = data_parallel(net);  // DistributedDataParallel under mpirun

  auto train_loader = make_train_loader(data.train, o.batch, seed);  // same data order for every norm
  auto test_loader = make_eval_loader(data.test, 500);
  const int64_t steps_per_epoch = train_loader->num_batches();
  run.steps_per_epoch = steps_per_epoch;
  const int64_t total = steps_per_epoch * o.epochs;
  const int64_t warm = static_cast<int64_t>(o.warmup * static_cast<double>(steps_per_epoch));
  optim::SGD opt(net->parameters(), optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  optim::LambdaLR sched(opt, optim::warmup_cosine(warm, total));

  std::unique_ptr<training::NormTelemetry> tele;
  // Telemetry taps one rank's batches: not under mpirun.
  if (telemetry && norm != "none" && !under_mpirun())
    tele = std::make_unique<training::NormTelemetry>(*net, join_path(o.out, fmt::format("telemetry_{}.csv", norm)),
                                                     o.telemetry_every, norm);
  training::CsvHistory curves(join_path(o.out, fmt::format("curves_{}_seed{}.csv", norm, seed)), kCurveColumns);
  int64_t step = 0;
  for (int ep = 0; ep < o.epochs; ++ep) {
    EpochStats tr = train_epoch(*model, *train_loader, ep, opt, &sched, step, [&](int64_t s, const Tensor& x) {
      if (tele && tele->due(s)) tele->record(s, x);
    });
    EpochStats te = evaluate(*model, *test_loader);
    run.train.push_back(tr);
    run.test.push_back(te);
    // seconds = training + test evaluation, as the PyTorch script times an epoch.
    curves.append({ep + 1, tr.loss, tr.acc, te.loss, te.acc, tr.seconds + te.seconds});
    fmt::print("{:>4} seed {} epoch {}/{}: train loss {:.4f} acc {:.4f} | test loss {:.4f} acc {:.4f} | train {:.1f}s "
               "(data wait {:.2f}s) + test {:.1f}s\n",
               norm, seed, ep + 1, o.epochs, tr.loss, tr.acc, te.loss, te.acc, tr.seconds, tr.data_wait_seconds,
               te.seconds);
    std::fflush(stdout);
  }
  // BN: evaluate again with population statistics recomputed over the training images
  // (one process only: the recomputation runs per rank).
  if (training::has_running_stats(*(*net)[1]) && !under_mpirun()) {
    const int64_t n = std::min<int64_t>(o.popstats_images, data.train.size());
    auto pop_loader = make_eval_loader(n < data.train.size() ? data.train.slice(0, n) : data.train, o.batch);
    pop_loader->start_epoch(0);
    auto ps = training::recompute_population_stats(*net, [&](Tensor& x) {
      datasets::Batch b;
      if (!pop_loader->next(b)) return false;
      x = b.images;
      return true;
    });
    EpochStats te = evaluate(*net, *test_loader);
    run.pop_acc = te.acc;
    run.pop_loss = te.loss;
    ps.restore(*net);
    fmt::print("{:>4} seed {}: test acc with running stats {:.4f}, with population stats of {} train images {:.4f}\n",
               norm, seed, run.test.back().acc, ps.images, te.acc);
  }
  return run;
}

// Per-epoch mean (and std over seeds) of one norm's runs -> curves_<norm>.csv.
void write_mean_curves(const Options& o, const std::string& norm, const std::vector<const Run*>& runs) {
  training::CsvHistory h(join_path(o.out, fmt::format("curves_{}.csv", norm)),
                         {"epoch", "train_loss", "train_loss_std", "train_acc", "train_acc_std", "test_loss",
                          "test_loss_std", "test_acc", "test_acc_std", "seconds", "seeds"});
  for (int ep = 0; ep < o.epochs; ++ep) {
    std::vector<double> tl, ta, el, ea, sec;
    for (const Run* r : runs) {
      tl.push_back(r->train[ep].loss);
      ta.push_back(r->train[ep].acc);
      el.push_back(r->test[ep].loss);
      ea.push_back(r->test[ep].acc);
      sec.push_back(r->train[ep].seconds + r->test[ep].seconds);
    }
    using training::mean_of;
    using training::stddev_of;
    h.append({ep + 1, mean_of(tl), stddev_of(tl), mean_of(ta), stddev_of(ta), mean_of(el), stddev_of(el), mean_of(ea),
              stddev_of(ea), mean_of(sec), static_cast<int>(runs.size())});
  }
}

// The figures: curves.png (four panels, one legend, a chance-level line on the accuracy
// panels) and telemetry_<norm>.png for norms with running statistics (each layer named by
// what it is, the epoch boundaries marked on the step axis).
void draw_plots(const Options& o, const std::vector<std::string>& norms, const std::string& data_desc,
                int64_t num_classes, int64_t steps_per_epoch) {
  const bool err = o.seeds > 1;
  training::PlotSpec spec(join_path(o.out, "curves.png"),
                          fmt::format("janus benchmark CNN: {} -- {}{}", fmt::join(norms, " vs "), data_desc,
                                      err ? fmt::format(" (mean +- std over {} seeds)", o.seeds) : ""));
  spec.shared_key();
  const double chance = 1.0 / static_cast<double>(num_classes);
  const std::string chance_label = fmt::format("chance level (1/{} classes)", num_classes);
  struct P {
    const char* title;
    const char* y;
    const char* ylabel;
  };
  for (const P& p : {P{"Train loss", "train_loss", "cross-entropy"}, P{"Test loss", "test_loss", "cross-entropy"},
                     P{"Train accuracy", "train_acc", "accuracy"}, P{"Test accuracy", "test_acc", "accuracy"}}) {
    auto& panel = spec.panel(p.title, "epoch", p.ylabel);
    if (std::string(p.ylabel) == "accuracy") panel.hline(chance, chance_label);
    for (size_t i = 0; i < norms.size(); ++i) {
      const std::string csv = join_path(o.out, fmt::format("curves_{}.csv", norms[i]));
      if (err)
        panel.line_err(csv, "epoch", p.y, std::string(p.y) + "_std", norm_description(norms[i]), static_cast<int>(i));
      else
        panel.line(csv, "epoch", p.y, norm_description(norms[i]), false, static_cast<int>(i));
      panel.series.back().dashed = i >= 8;  // the palette has 8 colours; then dashed, so the key tells them apart
    }
  }
  auto r = training::plot_png(spec);
  fmt::print("plot: {}\n", r.message);

  // Telemetry of the norms with running statistics: batch vs running gap per layer.
  for (const auto& norm : norms) {
    const std::string csv = join_path(o.out, fmt::format("telemetry_{}.csv", norm));
    if (norm == "none" || !std::ifstream(csv)) continue;
    const auto t = training::read_csv(csv);
    if (t.rows.empty() || t.rows[0][t.index("running_mean")].empty()) continue;  // no running statistics
    // Each layer once, in forward order, as (Sequential index, "bn2, 32 ch @ 32x32").
    std::vector<std::pair<std::string, std::string>> layers;
    for (const auto& row : t.rows) {
      const std::string& index = row[t.index("layer")];
      if (std::any_of(layers.begin(), layers.end(), [&](const auto& l) { return l.first == index; })) continue;
      const auto num = [&](const char* column) {
        const std::string& cell = row[t.index(column)];
        return cell.empty() ? int64_t{0} : static_cast<int64_t>(std::stoll(cell));
      };
      layers.emplace_back(index, training::norm_layer_label(row[t.index("name")], num("channels"), num("height"),
                                                            num("width")));
    }
    // The epoch boundaries inside the recorded steps (the last epoch ends at the border).
    std::vector<std::pair<double, std::string>> epochs;
    const std::vector<double> steps = t.column("step");
    const double last_step = *std::max_element(steps.begin(), steps.end());
    for (int64_t e = 1; steps_per_epoch > 0 && e * steps_per_epoch < last_step; ++e)
      epochs.emplace_back(static_cast<double>(e * steps_per_epoch), fmt::format("end of epoch {}", e));
    training::PlotSpec tspec(join_path(o.out, fmt::format("telemetry_{}.png", norm)),
                             fmt::format("{}: batch statistics vs running statistics during training (seed {})",
                                         norm_description(norm), o.seed));
    tspec.shared_key();
    struct T {
      const char* title;
      const char* y;
      const char* ylabel;
    };
    for (const T& p : {T{"Mean gap |batch mean - running mean| / running std", "mean_gap", "channel average"},
                       T{"Variance ratio batch var / running var", "var_ratio", "channel average"},
                       T{"Affine scale gamma", "gamma_mean", "mean over channels"},
                       T{"Affine shift beta", "beta_mean", "mean over channels"}}) {
      auto& panel = tspec.panel(p.title, "step", p.ylabel).xmarks(epochs);
      for (size_t i = 0; i < layers.size(); ++i)
        panel.line(csv, "step", p.y, layers[i].second, false, static_cast<int>(i)).where("layer", layers[i].first);
    }
    fmt::print("plot: {}\n", training::plot_png(tspec).message);
  }
}

void print_summary(const Options& o, const std::vector<std::string>& norms, const std::vector<Run>& runs) {
  training::CsvHistory summary(join_path(o.out, "summary.csv"),
                               {"norm", "seeds", "final_test_acc", "final_test_acc_std", "best_test_acc",
                                "epochs_to_target", "target_acc", "seconds_per_epoch", "popstats_test_acc"});
  fmt::print("\nSummary ({} epoch{}, {} seed{}, target accuracy {:.2f}):\n", o.epochs, o.epochs == 1 ? "" : "s",
             o.seeds, o.seeds == 1 ? "" : "s", o.target_acc);
  const std::vector<std::string> header = {"normalization", "final test acc", "best test acc",
                                           fmt::format("epochs to {:.2f}", o.target_acc), "s/epoch",
                                           "test acc, BN pop. stats"};
  std::vector<std::vector<std::string>> table;
  for (const auto& norm : norms) {
    std::vector<double> finals, bests, secs, pops, to_target;
    for (const Run& r : runs) {
      if (r.norm != norm) continue;
      std::vector<double> accs;
      for (const auto& e : r.test) accs.push_back(e.acc);
      finals.push_back(accs.back());
      bests.push_back(*std::max_element(accs.begin(), accs.end()));
      const int reach = training::first_epoch_reaching(accs, o.target_acc);
      if (reach > 0) to_target.push_back(reach);
      for (size_t e = 0; e < r.train.size(); ++e) secs.push_back(r.train[e].seconds + r.test[e].seconds);
      if (r.pop_acc) pops.push_back(*r.pop_acc);
    }
    const double fm = training::mean_of(finals), fs = training::stddev_of(finals);
    const std::string target =
        to_target.size() == finals.size() ? fmt::format("{:.1f}", training::mean_of(to_target))
                                          : fmt::format("{}/{} never", finals.size() - to_target.size(), finals.size());
    const std::string pop = pops.empty() ? "-" : fmt::format("{:.4f}", training::mean_of(pops));
    table.push_back({norm_description(norm),
                     o.seeds > 1 ? fmt::format("{:.4f} +- {:.4f}", fm, fs) : fmt::format("{:.4f}", fm),
                     fmt::format("{:.4f}", training::mean_of(bests)), target,
                     fmt::format("{:.1f}", training::mean_of(secs)), pop});
    // Not reached by every seed, or no population statistics (no BN): an empty cell.
    const std::optional<double> reached =
        to_target.size() == finals.size() ? std::optional<double>(training::mean_of(to_target)) : std::nullopt;
    const std::optional<double> pop_acc = pops.empty() ? std::nullopt : std::optional<double>(training::mean_of(pops));
    summary.append({norm, o.seeds, fm, fs, training::mean_of(bests), reached, o.target_acc, training::mean_of(secs),
                    pop_acc});
  }
  fmt::print("{}", training::format_table(header, table));
}

int run_main(const Options& o, const DataSpec& spec) {
  apply_threads(o.threads);
  const auto norms = split_list(o.norms);
  JANUS_CHECK(!norms.empty(), "--norms: expected a comma-separated list such as bn,pcn (got '{}')", o.norms);
  for (const auto& n : norms) check_norm_kind(n);
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.seeds >= 1, "--seeds: expected >= 1 (got {})", o.seeds);
  JANUS_CHECK(o.telemetry_every >= 1, "--telemetry-every: expected >= 1 (got {})", o.telemetry_every);
  if (is_root()) {  // under mpirun rank 0 alone writes (and probes) the output directory
    training::ensure_output_dir(o.out, "--out");
    remove_stale_outputs(o.out, R"([A-Za-z0-9_.-]+\.(csv|gp))");
  }
  check_global_batch(o.batch);
  const CifarData data = load_cifar_data(spec);
  fmt::print("data: {}\nrecipe: SGD lr {} momentum {} wd {}, batch {}, {} epoch(s) warm-up then per-step cosine, "
             "crop pad 4 + flip; {} thread(s)\n",
             data.description, o.lr, o.momentum, o.weight_decay, o.batch, o.warmup, num_threads());
  fmt::print("{}", data_parallel_line(o.batch));
  std::vector<Run> runs;
  for (int s = 0; s < o.seeds; ++s)
    for (const auto& norm : norms) runs.push_back(train_one(o, data, norm, o.seed + s, s == 0));

  // All runs in one long CSV, the per-norm means, the BN evaluation comparison.
  training::CsvHistory all(join_path(o.out, "all_runs.csv"),
                           {"norm", "seed", "epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"});
  training::CsvHistory bn_eval(join_path(o.out, "bn_eval.csv"),
                               {"norm", "seed", "test_acc_running_stats", "test_acc_population_stats",
                                "test_loss_running_stats", "test_loss_population_stats"});
  for (const Run& r : runs) {
    for (size_t e = 0; e < r.train.size(); ++e)
      all.append({r.norm, static_cast<double>(r.seed), static_cast<int>(e + 1), r.train[e].loss, r.train[e].acc,
                  r.test[e].loss, r.test[e].acc, r.train[e].seconds + r.test[e].seconds});
    if (r.pop_acc)
      bn_eval.append({r.norm, static_cast<double>(r.seed), r.test.back().acc, r.pop_acc, r.test.back().loss, r.pop_loss});
  }
  for (const auto& norm : norms) {
    std::vector<const Run*> mine;
    for (const Run& r : runs)
      if (r.norm == norm) mine.push_back(&r);
    write_mean_curves(o, norm, mine);
  }
  const std::string short_desc = o.data.synthetic() ? "synthetic data" : "CIFAR-10";
  draw_plots(o, norms, short_desc, data.train.num_classes(), runs.front().steps_per_epoch);
  print_summary(o, norms, runs);
  fmt::print("\nwrote {}: curves_<norm>.csv (mean over seeds), curves_<norm>_seed<s>.csv (the PyTorch script's "
             "columns), all_runs.csv, summary.csv, bn_eval.csv, telemetry_<norm>.csv, curves.png\n",
             o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data.spec.train_size = 4000;
  o.data.spec.test_size = 1000;
  CLI::App app{"compare_norms: the same CNN, the same initial weights and data order, several normalizations"};
  app.add_option("--norms", o.norms, "comma-separated, from: bn, syncbn, in-affine (alias pcn), in, pc-std, pc-std-unbiased, gn, ln, none (docs/normalization.md)")->capture_default_str();
  app.add_option("--seeds", o.seeds, "number of seeds (mean and spread are shown)")->capture_default_str();
  app.add_option("--seed", o.seed, "first seed")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs per run (default 4 on synthetic data, 5 on CIFAR)");
  add_data_flags(app, o.data);
  app.add_option("--batch", o.batch, "batch size (under mpirun the global batch)")->capture_default_str();
  add_peak_lr_flag(app, o.lr);
  app.add_option("--momentum", o.momentum, "SGD momentum")->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "L2 weight decay")->capture_default_str();
  app.add_option("--warmup", o.warmup, "epochs of linear warm-up before the cosine decay")->capture_default_str();
  app.add_option("--target-acc", o.target_acc, "accuracy for the 'epochs to target' column")->capture_default_str();
  app.add_option("--telemetry-every", o.telemetry_every, "record norm telemetry every k steps")->capture_default_str();
  app.add_option("--popstats-images", o.popstats_images, "training images for BN population statistics")
      ->capture_default_str();
  add_threads_flag(app, o.threads);
  add_out_flag(app, o.out);
  if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;
  const DataSpec spec = finish_data_flags(app, o.data);  // CIFAR: sizes default to all
  if (!o.data.synthetic() && app.count("--epochs") == 0) o.epochs = 5;  // the reference script's default
  o.lr = resolve_peak_lr(app, o.data, o.lr);  // 0.05, or 0.01 on synthetic data (peak_lr.h)
  return run_reporting_errors("compare_norms", [&] { return run_main(o, spec); });
}
