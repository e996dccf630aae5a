// Training support shared by the frontends and examples: CSV history (atomic rewrites),
// output directories, metrics, gnuplot plots, norm telemetry and population statistics.
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/ops/norm.h>
#include <janus/core/random.h>
#include <janus/layers/sequential.h>
#include <janus/training/csv_history.h>
#include <janus/training/metrics.h>
#include <janus/training/module_taps.h>
#include <janus/training/norm_telemetry.h>
#include <janus/training/output_dir.h>
#include <janus/training/plot.h>
#include <janus/training/population_stats.h>
#include <janus/training/progress_bar.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace janus;
using namespace janus::training;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A real PyTorch-style BatchNorm2d built on the core "normalize" op, so these tests do not
// depend on the layers' own norm classes.
struct TestBatchNorm : nn::Module {
  explicit TestBatchNorm(int64_t c) : Module("BatchNorm2d") {
    weight = register_parameter("weight", ones({c}).requires_grad_());
    bias = register_parameter("bias", zeros({c}).requires_grad_());
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
  }
  Tensor forward(const Tensor& x) override {
    return normalize(x, weight, bias, running_mean, running_var, Tensor(), NormOptions::torch_batch_norm(),
                     is_training());
  }
  Tensor weight, bias, running_mean, running_var;
};

struct Doubler : nn::Module {
  Doubler() : Module("Doubler") {}
  Tensor forward(const Tensor& x) override { return x * 2.0f; }
};

}  // namespace

TEST_CASE("CsvHistory writes the header at once and every row atomically", "[training]") {
  const janus::testing::TempDir tmp("janus_training_csv");
  const std::string dir = tmp.str();
  const std::string path = dir + "/h.csv";
  CsvHistory h(path, {"epoch", "loss", "norm"});
  CHECK(slurp(path) == "epoch,loss,norm\n");
  h.append({1, 0.5, "bn"});
  h.append({2, 0.25, "pcn"});
  CHECK(slurp(path) == "epoch,loss,norm\n1,0.5,bn\n2,0.25,pcn\n");
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename() == "h.csv");  // no temp left
  CHECK_THROWS_WITH(h.append({3, 0.1}), Catch::Contains("expected 3 cells"));
  CHECK_THROWS_WITH(h.append({3, 0.1, "a,b"}), Catch::Contains("contains a comma"));
  CsvTable t = read_csv(path);
  CHECK(t.columns == std::vector<std::string>{"epoch", "loss", "norm"});
  CHECK(t.column("loss") == std::vector<double>{0.5, 0.25});
  CHECK_THROWS_WITH(t.column("acc"), Catch::Contains("no column 'acc'"));
  CHECK_THROWS_WITH(t.column("norm"), Catch::Contains("expected a number"));
  CHECK_THROWS_WITH(CsvHistory(dir + "/missing/h.csv", {"a"}), Catch::Contains(dir + "/missing/h.csv"));
}

TEST_CASE("numbers are written compactly and exactly for integers", "[training]") {
  CHECK(format_number(3) == "3");
  CHECK(format_number(0.46123456) == "0.461235");
  CHECK(format_number(std::nan("")) == "nan");
  CHECK(format_number(-2.5e-7) == "-2.5e-07");
}

TEST_CASE("output directories are created or rejected with the flag name", "[training]") {
  const janus::testing::TempDir tmp("janus_training_outdir");
  const std::string dir = tmp.str();
  CHECK(ensure_output_dir(dir + "/a/b", "--out") == dir + "/a/b");
  CHECK(fs::is_directory(dir + "/a/b"));
  std::ofstream(dir + "/file") << "x";
  CHECK_THROWS_WITH(ensure_output_dir(dir + "/file", "--out"), Catch::Contains("--out") && Catch::Contains("not a directory"));
  CHECK_THROWS_WITH(ensure_output_dir(dir + "/file/sub", "--out"), Catch::Contains("cannot create directory"));
  CHECK_THROWS_WITH(require_dir(dir + "/nope", "--data"), Catch::Contains("--data") && Catch::Contains("no such directory"));
  CHECK(join_path("a/", "b") == "a/b");
  CHECK(join_path("a", "b") == "a/b");
}

TEST_CASE("accuracy, running mean and summary statistics", "[training]") {
  Tensor logits = from_vector({0.1f, 0.9f, 0.0f,   //
                               2.0f, 1.0f, 0.0f,   //
                               0.0f, 0.0f, 5.0f,   //
                               1.0f, 3.0f, 2.0f},
                              {4, 3});
  Tensor labels = from_vector({1, 0, 1, 1}, {4});
  CHECK(argmax_rows(logits) == std::vector<int64_t>{1, 0, 2, 1});
  CHECK(count_correct(logits, labels) == 3);
  CHECK(accuracy(logits, labels) == Approx(0.75));
  CHECK_THROWS_WITH(count_correct(logits, from_vector({1, 0}, {2})), Catch::Contains("2 labels for 4 rows"));
  RunningMean rm;
  rm.add(1.0, 3);
  rm.add(2.0, 1);
  CHECK(rm.value() == Approx(1.25));
  // numpy: np.percentile([1, 2, 3, 4, 10], [15, 50, 85]) = [1.6, 3.0, 6.4]
  std::vector<double> v = {10, 2, 4, 1, 3};
  CHECK(percentile(v, 15) == Approx(1.6));
  CHECK(percentile(v, 50) == Approx(3.0));
  CHECK(percentile(v, 85) == Approx(6.4));
  CHECK_THROWS(percentile({}, 50));
  CHECK(mean_of({1, 2, 3, 4}) == Approx(2.5));
  CHECK(stddev_of({1, 2, 3, 4}) == Approx(1.2909944));  // sample std
  CHECK(first_epoch_reaching({0.2, 0.5, 0.7, 0.6}, 0.6) == 3);
  CHECK(first_epoch_reaching({0.2, 0.5}, 0.6) == -1);
}

TEST_CASE("plot scripts resolve columns by name and gnuplot draws a PNG", "[training]") {
  const janus::testing::TempDir tmp("janus_training_plot");
  const std::string dir = tmp.str();
  CsvHistory a(dir + "/bn.csv", {"epoch", "train_loss", "test_acc"});
  CsvHistory b(dir + "/pcn.csv", {"epoch", "test_acc", "std"});
  for (int e = 1; e <= 3; ++e) {
    a.append({e, 2.0 / e, 0.3 + 0.1 * e});
    b.append({e, 0.25 + 0.1 * e, 0.01});
  }
  PlotSpec spec(dir + "/curves.png", "BN vs per-channel norm");
  spec.panel("Test accuracy", "epoch", "accuracy")
      .line(dir + "/bn.csv", "epoch", "test_acc", "bn")
      .line_err(dir + "/pcn.csv", "epoch", "test_acc", "std", "pcn");
  const std::string script = gnuplot_script(spec);
  CHECK_THAT(script, Catch::Contains("$s0 << EOD\n1,0.4\n2,0.5\n3,0.6\nEOD"));
  CHECK_THAT(script, Catch::Contains("$s0 using 1:2 with linespoints"));
  CHECK_THAT(script, Catch::Contains("$s1 using 1:2:3 with yerrorlines"));
  CHECK_THAT(script, Catch::Contains("set xlabel 'epoch'"));
  CHECK_THAT(script, Catch::Contains("title 'pcn'"));
  CsvHistory longf(dir + "/long.csv", {"step", "layer", "gap"});
  longf.append({1, "a", 0.5});
  longf.append({1, "b", 0.7});
  longf.append({2, "a", 0.4});
  PlotSpec filtered(dir + "/f.png", "x");
  filtered.panel("t", "step", "gap").line(dir + "/long.csv", "step", "gap", "layer a").where("layer", "a");
  CHECK_THAT(gnuplot_script(filtered), Catch::Contains("$s0 << EOD\n1,0.5\n2,0.4\nEOD"));
  filtered.panels[0].line(dir + "/long.csv", "step", "gap", "layer c").where("layer", "c");
  CHECK_THROWS_WITH(gnuplot_script(filtered), Catch::Contains("selects no rows"));
  PlotSpec bad(dir + "/bad.png", "x");
  bad.panel("t", "x", "y").line(dir + "/bn.csv", "epoch", "nope", "bn");
  CHECK_THROWS_WITH(gnuplot_script(bad), Catch::Contains("no column 'nope'"));
  PlotSpec missing(dir + "/m.png", "x");
  missing.panel("t", "x", "y").line(dir + "/absent.csv", "epoch", "y", "bn");
  CHECK_THROWS_WITH(plot_png(missing), Catch::Contains("absent.csv"));
  const PlotResult r = plot_png(spec);
  CHECK(fs::exists(r.script_path));
  if (gnuplot_available()) {
    INFO(r.message);
    CHECK(r.drawn);
    REQUIRE(fs::exists(dir + "/curves.png"));
    std::ifstream png(dir + "/curves.png", std::ios::binary);
    char sig[4] = {};
    png.read(sig, 4);
    CHECK(std::string(sig + 1, 3) == "PNG");
  } else {
    CHECK_FALSE(r.drawn);
    CHECK_THAT(r.message, Catch::Contains("gnuplot not found"));
  }
}

TEST_CASE("forward_with_taps sees each norm layer's input in forward order", "[training]") {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<Doubler>());
  auto bn = net->push_back(std::make_shared<TestBatchNorm>(2));
  Generator gen(3);
  Tensor x = randn({4, 2, 3, 3}, &gen);
  std::vector<std::string> seen;
  Tensor y = forward_with_taps(*net, x, is_norm_layer, [&](const std::string& name, nn::Module&, const Tensor& in) {
    seen.push_back(name);
    CHECK(allclose(in, x * 2.0f));
  });
  CHECK(seen == std::vector<std::string>{"1"});
  CHECK(norm_layers(*net).size() == 1);
  CHECK(has_running_stats(*bn));
  CHECK_FALSE(is_norm_layer(Doubler()));
  std::vector<double> m, v;
  channel_moments(from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}), m, v);
  CHECK(m == std::vector<double>{3.5, 5.5});  // channel 0: {1, 2, 5, 6}
  CHECK(v[0] == Approx(4.25));
}

TEST_CASE("norm telemetry records batch vs running statistics without moving them", "[training]") {
  const janus::testing::TempDir tmp("janus_training_tele");
  const std::string dir = tmp.str();
  auto net = std::make_shared<nn::Sequential>();
  auto bn = net->push_back(std::make_shared<TestBatchNorm>(2));
  bn->running_mean.copy_(from_vector({1.0f, -1.0f}, {2}));
  bn->running_var.copy_(from_vector({4.0f, 1.0f}, {2}));
  NormTelemetry tele(*net, dir + "/t.csv", 10, "bn");
  CHECK(tele.due(0));
  CHECK_FALSE(tele.due(5));
  // channel 0 holds 3 +- 1 (mean 3, var 1), channel 1 holds 0 +- 2 (mean 0, var 4)
  Tensor x = from_vector({2, 4, -2, 2, 4, 2, 2, -2}, {2, 2, 2});
  auto recs = tele.record(10, x);
  REQUIRE(recs.size() == 1);
  const NormLayerRecord& r = recs[0];
  CHECK(r.layer == "0");
  CHECK(r.type == "BatchNorm2d");
  CHECK(r.batch_mean == Approx(1.5));   // (3 + 0) / 2
  CHECK(r.batch_var == Approx(2.5));    // (1 + 4) / 2
  CHECK(r.running_mean == Approx(0.0)); // (1 - 1) / 2
  CHECK(r.mean_gap == Approx((2.0 / 2.0 + 1.0 / 1.0) / 2));
  CHECK(r.var_ratio == Approx((1.0 / 4.0 + 4.0 / 1.0) / 2));
  CHECK(r.gamma_mean == Approx(1.0));
  CHECK(bn->running_mean.to_vector() == std::vector<float>{1.0f, -1.0f});  // untouched by the extra forward
  CHECK(read_csv(dir + "/t.csv").rows.size() == 1);
  CHECK_THROWS_WITH(NormTelemetry(*net, dir + "/u.csv", 0), Catch::Contains("every >= 1"));
}

TEST_CASE("population statistics replace running averages and can be restored", "[training]") {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<Doubler>());
  auto bn = net->push_back(std::make_shared<TestBatchNorm>(3));
  net->eval();
  Generator gen(9);
  std::vector<Tensor> batches = {randn({4, 3, 2, 2}, &gen), randn({2, 3, 2, 2}, &gen) + 1.0f};
  size_t i = 0;
  auto ps = recompute_population_stats(*net, [&](Tensor& x) {
    if (i == batches.size()) return false;
    x = batches[i++];
    return true;
  });
  CHECK(ps.images == 6);
  CHECK(ps.layers == std::vector<std::string>{"1"});
  CHECK_FALSE(net->is_training());  // mode restored
  // Expected: statistics of 2x the concatenated data, unbiased variance.
  for (int64_t c = 0; c < 3; ++c) {
    std::vector<double> vals;
    for (const Tensor& b : batches)
      for (int64_t n = 0; n < b.size(0); ++n)
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t w = 0; w < 2; ++w) vals.push_back(2.0 * b.at({n, c, h, w}));
    CHECK(bn->running_mean.data()[c] == Approx(mean_of(vals)).epsilon(1e-5));
    const double sd = stddev_of(vals);
    CHECK(bn->running_var.data()[c] == Approx(sd * sd).epsilon(1e-4));
  }
  ps.restore(*net);
  CHECK(bn->running_mean.to_vector() == std::vector<float>{0, 0, 0});
  CHECK(bn->running_var.to_vector() == std::vector<float>{1, 1, 1});
  CHECK_THROWS_WITH(recompute_population_stats(*net, [](Tensor&) { return false; }), Catch::Contains("gave no data"));
}

TEST_CASE("the progress line reads like Keras'", "[training]") {
  std::FILE* sink = std::tmpfile();
  ProgressBar bar(10, sink);
  const std::string mid = bar.line(5, {{"loss", 1.5}}, 2.0);
  CHECK_THAT(mid, Catch::StartsWith(" 5/10 [===============>..............] - ETA: 2s - loss: 1.5000"));
  const std::string end = bar.line(10, {{"loss", 1.25}, {"accuracy", 0.5}}, 4.0);
  CHECK_THAT(end, Catch::StartsWith("10/10 [==============================] - 4s 400ms/step - loss: 1.2500 - accuracy: 0.5000"));
  std::fclose(sink);
}
