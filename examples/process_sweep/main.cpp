// process_sweep: the lesson of data-parallel training. The benchmark CNN at a FIXED global
// batch (32) over N = 1, 2, 4, 8, 16 processes, so the per-process batch goes 32 down to 2,
// with per-process BN, SyncBN, GroupNorm and per-channel norm (pcn): per-process BN degrades
// as its batch shrinks, SyncBN stays on the 1-process curve, GN and pcn do not care. It is
// the GroupNorm paper's Table 2 with the per-device batch made explicit (docs/normalization.md).
//
//   for n in 1 2 4 8 16; do mpirun -np $n ... process_sweep --out sweep; done   # real processes
//   process_sweep --simulate --processes 1,2,4,8,16 --out sweep                 # one process
//
// Each invocation adds its rows to --out's process_sweep.csv (replacing rows of the same mode,
// N and norm), then redraws one PNG per mode from all rows: process_sweep_mpirun.png and
// process_sweep_simulated.png. The "mode" column says which produced a row. The simulation
// cuts each global batch into N ghost batches (per-process BN's statistics, rank 0's running
// statistics) and runs SyncBN on the whole batch; the ctest example_process_sweep_sim_vs_mpirun
// checks that it gives the mpirun run's losses.
#include "common/bench_cnn.h"
#include "common/cli.h"
#include "common/data_flags.h"
#include "common/peak_lr.h"
#include "process_sweep/sweep_run.h"

#include <janus/core/error.h>
#include <janus/core/parallel.h>
#include <janus/core/process_group.h>
#include <janus/training/csv_history.h>
#include <janus/training/output_dir.h>
#include <janus/training/plot.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

using namespace janus;
using namespace janus::examples;
using janus::training::join_path;

namespace {

struct Options {
  std::string norms = "bn,syncbn,gn,pcn";
  std::string processes = "1,2,4,8,16";
  bool simulate = false;
  bool plot_only = false;
  int64_t batch = 32;
  int epochs = 5;
  DataFlags data;
  double lr = 0;  // 0: the examples' peak lr (peak_lr.h) scaled to the global batch, x batch / 64
  double warmup = 1.0;
  uint64_t seed = 0;
  int threads = 1;  // per process
  std::string out = "process_sweep_out";
};

using Rows = std::vector<std::vector<std::string>>;

const std::vector<std::string> kColumns = {"mode",  "processes",  "per_process_batch", "norm",      "series",
                                           "data",  "global_batch", "train_images",    "epochs",    "lr",
                                           "steps", "train_loss", "test_loss",         "test_acc",  "test_error",
                                           "seconds"};
const std::vector<std::string> kStepColumns = {"mode", "processes", "norm", "step", "loss"};

std::string num(double v) { return training::format_number(v); }
// Losses with 9 significant digits (float32's), so that the simulated and the real run can be
// compared to float accuracy (format_number keeps 6).
std::string loss_cell(double v) { return fmt::format("{:.9g}", v); }

// The rows already in `path` (none when it does not exist); a file with other columns throws.
Rows read_rows(const std::string& path, const std::vector<std::string>& columns) {
  std::error_code ec;  // a symlink loop or an unreadable folder is an error below, not an exception here
  if (!std::filesystem::exists(path, ec)) return {};
  const training::CsvTable t = training::read_csv(path);
  JANUS_CHECK(t.columns == columns,
              "{} has the columns [{}], expected [{}] (a file of another program? use another --out)", path,
              fmt::join(t.columns, ","), fmt::join(columns, ","));
  return t.rows;
}

void write_rows(const std::string& path, const std::vector<std::string>& columns, const Rows& rows) {
  std::string s = fmt::format("{}\n", fmt::join(columns, ","));
  for (const auto& r : rows) s += fmt::format("{}\n", fmt::join(r, ","));
  training::write_file_atomic(path, s);
}

// Drops the rows of one point: mode (column 0), N (column 1) and norm (column norm_col).
void drop_rows(Rows& rows, const std::string& mode, const std::string& n, const std::string& norm, size_t norm_col) {
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const auto& r) { return r[0] == mode && r[1] == n && r[norm_col] == norm; }),
             rows.end());
}

void plot_mode(const std::string& out, const std::string& csv, const Rows& rows, const std::string& mode) {
  std::vector<std::string> norms;  // in order of first appearance
  std::string data, epochs, batch, images;
  for (const auto& r : rows) {
    if (r[0] != mode) continue;
    if (std::find(norms.begin(), norms.end(), r[3]) == norms.end()) norms.push_back(r[3]);
    data = r[5], batch = r[6], images = r[7], epochs = r[8];
  }
  if (norms.empty()) return;
  training::PlotSpec spec(join_path(out, fmt::format("process_sweep_{}.png", mode)),
                          fmt::format("Global batch {} over N processes ({}): {}, {} images x {} epochs", batch,
                                      mode == "mpirun" ? "real, mpirun" : "simulated, ghost batches", data, images,
                                      epochs));
  spec.size(1100, 700);
  auto& p = spec.panel("test error (BN evaluated with rank 0's running statistics)",
                       fmt::format("processes N (per-process batch {} / N), log scale", batch), "test error (%)");
  p.log_x().key(training::KeySide::kBelow);
  for (size_t i = 0; i < norms.size(); ++i)
    p.line(csv, "processes", "test_error", sweep_norm_description(norms[i]), false, static_cast<int>(i))
        .where("series", mode + ":" + norms[i]);
  fmt::print("plot ({}): {}\n", mode, training::plot_png(spec).message);
}

void print_table(const Rows& rows, const std::string& mode) {
  std::set<int> ns;
  std::vector<std::string> norms;
  std::map<std::pair<std::string, int>, double> err;
  for (const auto& r : rows) {
    if (r[0] != mode) continue;
    const int n = std::stoi(r[1]);
    ns.insert(n);
    if (std::find(norms.begin(), norms.end(), r[3]) == norms.end()) norms.push_back(r[3]);
    err[{r[3], n}] = std::stod(r[14]);
  }
  if (norms.empty()) return;
  fmt::print("\ntest error (%), {}   ", mode);
  for (int n : ns) fmt::print("{:>10}", fmt::format("N={}", n));
  fmt::print("\n");
  for (const auto& norm : norms) {
    fmt::print("{:<22}", norm);
    for (int n : ns) {
      auto it = err.find({norm, n});
      fmt::print("{:>10}", it == err.end() ? std::string("-") : fmt::format("{:.1f}", it->second));
    }
    fmt::print("\n");
  }
}

// --plot-only: the figures and tables from --out's CSV, nothing trained.
int plot_only(const Options& o) {
  const std::string csv_path = join_path(o.out, "process_sweep.csv");
  std::error_code ec;
  JANUS_CHECK(std::filesystem::exists(csv_path, ec), "--plot-only: no {} (run a sweep into --out first)", csv_path);
  const Rows rows = read_rows(csv_path, kColumns);
  for (const std::string m : {"mpirun", "simulated"}) plot_mode(o.out, csv_path, rows, m);
  for (const std::string m : {"mpirun", "simulated"}) print_table(rows, m);
  return 0;
}

int run_main(const Options& o, const DataSpec& data_spec) {
  if (o.plot_only) return process_group().is_root() ? plot_only(o) : 0;
  set_num_threads(std::max(1, o.threads));
  ProcessGroup& pg = process_group();
  const bool root = pg.is_root();
  const auto norms = split_list(o.norms);
  JANUS_CHECK(!norms.empty(), "--norms must not be empty");
  for (const auto& n : norms) check_sweep_norm(n);  // all of them before any training
  std::vector<int> ns;
  if (o.simulate) {
    for (const auto& s : split_list(o.processes)) {
      char* end = nullptr;
      const long v = std::strtol(s.c_str(), &end, 10);
      JANUS_CHECK(end && *end == '\0' && v >= 1, "--processes: expected integers >= 1 such as 1,2,4 (got '{}')", s);
      ns.push_back(static_cast<int>(v));
    }
  } else {
    ns.push_back(pg.size());
  }
  const std::string mode = o.simulate ? "simulated" : "mpirun";
  JANUS_CHECK(o.batch >= 2, "--batch: expected >= 2 (got {})", o.batch);
  for (int n : ns)
    JANUS_CHECK(o.batch % n == 0 && o.batch / n >= 2,
                "--batch {} over {} processes: expected a multiple of N with at least 2 images per process "
                "(BatchNorm2d refuses 1 value per channel)", o.batch, n);
  JANUS_CHECK(o.epochs >= 1, "--epochs: expected >= 1 (got {})", o.epochs);
  JANUS_CHECK(o.lr > 0, "--lr: expected > 0 (got {})", o.lr);
  JANUS_CHECK(o.warmup >= 0 && o.warmup <= o.epochs, "--warmup: expected 0..--epochs (got {})", o.warmup);
  if (root) training::ensure_output_dir(o.out, "--out");
  const CifarData data = load_cifar_data(data_spec);
  JANUS_CHECK(o.batch <= data.train.size(), "--batch: expected at most the training set size {} (got {})",
              data.train.size(), o.batch);
  const std::string data_name = o.data.synthetic() ? "synthetic" : "CIFAR-10";
  const std::string csv_path = join_path(o.out, "process_sweep.csv");
  const std::string steps_path = join_path(o.out, "process_sweep_steps.csv");
  Rows rows, step_rows;
  if (root) {
    rows = read_rows(csv_path, kColumns);
    step_rows = read_rows(steps_path, kStepColumns);
    // One sweep per directory: rows of other settings would be drawn as one curve.
    for (const auto& r : rows)
      JANUS_CHECK(r[5] == data_name && r[6] == num(o.batch) && r[7] == num(data.train.size()) &&
                      r[8] == num(o.epochs) && r[9] == num(o.lr),
                  "{} holds a sweep of other settings ({} data, global batch {}, {} train images, {} epochs, lr {}); "
                  "this run has {} data, batch {}, {} images, {} epochs, lr {}: use another --out",
                  csv_path, r[5], r[6], r[7], r[8], r[9], data_name, o.batch, data.train.size(), o.epochs, o.lr);
    fmt::print("data: {}\nmode: {} ({}); global batch {}, per-process batch {} / N; {} epoch(s); SGD momentum 0.9, "
               "wd 5e-4, peak lr {} (the same for every N: the global batch does not change), {} epoch(s) of per-step "
               "warm-up then cosine; per-sample random crop + flip; {} thread(s) per process\n",
               data.description, mode,
               o.simulate ? "one process, N ghost batches per step" : fmt::format("{} real processes", pg.size()),
               o.batch, o.batch, o.epochs, o.lr, o.warmup, std::max(1, o.threads));
    // The gradient every step all-reduces (scripts/scale_model.py counts the same from the layers).
    int64_t params = 0;
    for (const Tensor& t : make_bench_cnn_for_seed("bn", o.seed)->parameters()) params += t.numel();
    fmt::print("benchmark CNN (bn): {} parameters, a {}-byte float32 gradient per step\n", params, 4 * params);
    std::fflush(stdout);
  }
  for (const auto& norm : norms) {
    RunResult sync_once;  // simulated syncbn: the same computation for every N (see below)
    bool have_sync = false;
    for (int n : ns) {
      RunConfig cfg;
      cfg.norm = norm;
      cfg.processes = n;
      cfg.simulated = o.simulate;
      cfg.global_batch = o.batch;
      cfg.epochs = o.epochs;
      cfg.lr = o.lr;
      cfg.warmup = o.warmup;
      cfg.seed = o.seed;
      // Simulated SyncBN at any N is BN over the whole global batch in one process, bit for
      // bit the same run for every N: trained once, its row written for each N (the mpirun
      // mode trains every N for real; the ctest proves the two agree).
      const bool reuse = o.simulate && norm == "syncbn" && have_sync;
      const RunResult r = reuse ? sync_once : run_sweep_point(cfg, data);
      if (o.simulate && norm == "syncbn") sync_once = r, have_sync = true;
      if (!root) continue;
      drop_rows(rows, mode, num(n), norm, 3);
      rows.push_back({mode, num(n), num(o.batch / n), norm, mode + ":" + norm, data_name, num(o.batch),
                      num(data.train.size()), num(o.epochs), num(o.lr), num(r.steps), loss_cell(r.train_loss),
                      loss_cell(r.test_loss), num(r.test_acc), num(100.0 * (1.0 - r.test_acc)), num(r.seconds)});
      drop_rows(step_rows, mode, num(n), norm, 2);
      for (size_t s = 0; s < r.step_losses.size(); ++s)
        step_rows.push_back({mode, num(n), norm, num(static_cast<double>(s + 1)), loss_cell(r.step_losses[s])});
      write_rows(csv_path, kColumns, rows);
      write_rows(steps_path, kStepColumns, step_rows);
      fmt::print("{:>7} N={:<2} (batch {:>2}/process, {} steps): test error {:5.1f}%  test loss {:.4f}  last-epoch "
                 "train loss {:.4f}  {:.1f}s{}\n",
                 norm, n, o.batch / n, r.steps, 100.0 * (1.0 - r.test_acc), r.test_loss, r.train_loss, r.seconds,
                 reuse ? " (the N-independent run above)" : "");
      std::fflush(stdout);
    }
  }
  if (!root) return 0;
  for (const std::string m : {"mpirun", "simulated"}) plot_mode(o.out, csv_path, rows, m);
  for (const std::string m : {"mpirun", "simulated"}) print_table(rows, m);
  fmt::print("wrote {} and {}\n", csv_path, steps_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data.spec.train_size = 2000;
  o.data.spec.test_size = 1000;
  o.data.cifar_all_by_default = false;  // 20 runs: CIFAR is capped at these sizes too
  CLI::App app{"process_sweep: per-process BN vs SyncBN vs GroupNorm vs per-channel norm at a fixed global batch "
               "over N processes (run under mpirun -np N, or --simulate in one process)"};
  app.add_option("--norms", o.norms, "comma-separated: syncbn, or a kind of docs/normalization.md "
                                     "(bn = per-process statistics, gn, pcn, in, pc-std, ...)")
      ->capture_default_str();
  app.add_option("--processes", o.processes, "with --simulate: the process counts N to simulate")
      ->capture_default_str();
  app.add_flag("--simulate", o.simulate, "one process simulates N with ghost batches (without mpirun)");
  app.add_flag("--plot-only", o.plot_only, "redraw the figures and tables from --out's CSV, train nothing");
  app.add_option("--batch", o.batch, "the GLOBAL batch (each process takes batch / N)")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs per run")->capture_default_str();
  add_data_flags(app, o.data);
  app.add_option("--lr", o.lr, "peak learning rate (default: 0.05 on CIFAR-10, 0.01 synthetic, x --batch / 64)");
  app.add_option("--warmup", o.warmup, "epochs of per-step linear warm-up before the cosine decay")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and data order")->capture_default_str();
  app.add_option("--threads", o.threads, "threads per process")->capture_default_str();
  add_out_flag(app, o.out);
  if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;
  if (!o.simulate && app.count("--processes")) {
    std::fprintf(stderr, "process_sweep: error: --processes is for --simulate; a real run's N is mpirun's -np\n");
    return 1;
  }
  const DataSpec spec = finish_data_flags(app, o.data);
  // The recipe's peak lr at batch 64 (0.05 on CIFAR-10, 0.01 synthetic), linearly scaled to the
  // global batch; N does not change it, since the global batch stays the same.
  if (!app.count("--lr")) o.lr = (o.data.synthetic() ? kSyntheticPeakLr : kReferencePeakLr) * o.batch / 64.0;
  // Under mpirun, run_reporting_errors joins MPI (rank 0 of 1 without it) and a rank that fails
  // ends every rank (MPI_Abort) instead of leaving the others waiting in a collective.
  return run_reporting_errors("process_sweep", [&] { return run_main(o, spec); });
}
