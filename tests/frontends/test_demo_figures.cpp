// The demo's figures and tables say what they show: one legend per figure (shared_key), a
// chance-level reference line, epoch marks on a step axis, norm layers named by what they
// are, empty CSV cells instead of -1/nan placeholders, summary columns that read apart.
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/layers/norm.h>
#include <janus/layers/sequential.h>
#include <janus/training/csv_history.h>
#include <janus/training/norm_telemetry.h>
#include <janus/training/plot.h>
#include <janus/training/text_table.h>

#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace janus;
using namespace janus::training;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Two norms' curves, four panels as compare_norms draws them.
PlotSpec four_panel_spec(const std::string& dir) {
  CsvHistory a(dir + "/bn.csv", {"epoch", "loss", "acc"});
  CsvHistory b(dir + "/pcn.csv", {"epoch", "loss", "acc"});
  for (int e = 1; e <= 3; ++e) {
    a.append({e, 2.0 / e, 0.3 + 0.1 * e});
    b.append({e, 2.5 / e, 0.2 + 0.1 * e});
  }
  PlotSpec spec(dir + "/curves.png", "bn vs pcn");
  spec.shared_key();
  for (const char* title : {"Train loss", "Test loss", "Train accuracy", "Test accuracy"}) {
    const bool acc = std::string(title).find("accuracy") != std::string::npos;
    auto& p = spec.panel(title, "epoch", acc ? "accuracy" : "cross-entropy");
    p.line(dir + "/bn.csv", "epoch", acc ? "acc" : "loss", "batch norm", false, 0);
    p.line(dir + "/pcn.csv", "epoch", acc ? "acc" : "loss", "instance norm", false, 1);
    if (acc) p.hline(0.1, "chance level (1/10 classes)");
  }
  return spec;
}

}  // namespace

// BEGIN DOCS SNIPPET (docs/examples.md shows this verbatim)
// A figure that says what it shows: one legend, a chance line, epoch marks on a step axis,
// layers named by what they are; a summary whose CSV leaves "never reached" empty.
void draw_demo_figure(const std::string& dir) {
  using namespace janus::training;
  PlotSpec spec(dir + "/demo.png", "bn vs instance norm");
  spec.shared_key();  // one legend for the whole figure, under the panels
  spec.panel("Test accuracy", "epoch", "accuracy")
      .line(dir + "/curves_bn.csv", "epoch", "test_acc", "batch norm", false, 0)
      .line(dir + "/curves_in.csv", "epoch", "test_acc", "instance norm", false, 1)
      .hline(0.1, "chance level (1/10 classes)");
  spec.panel("BN mean gap", "step", "channel average")
      .xmarks({{62, "end of epoch 1"}})
      .line(dir + "/telemetry_bn.csv", "step", "mean_gap", norm_layer_label("bn2", 32, 32, 32), false, 2)
      .where("layer", "4");
  plot_png(spec);
  CsvHistory summary(dir + "/summary.csv", {"norm", "epochs_to_target"});
  summary.append({"in", std::nullopt});  // "in,": not reached, an empty cell
  fmt::print("{}", format_table({"norm", "epochs to 0.60"}, {{"batch norm", "3.0"}, {"instance norm", "never"}}));
}
// END DOCS SNIPPET

TEST_CASE("the documented figure snippet draws and docs/examples.md shows it", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_demo_snippet");
  const std::string dir = tmp.str();
  CsvHistory bn(dir + "/curves_bn.csv", {"epoch", "test_acc"}), in(dir + "/curves_in.csv", {"epoch", "test_acc"});
  CsvHistory tele(dir + "/telemetry_bn.csv", {"step", "layer", "mean_gap"});
  for (int e = 1; e <= 2; ++e) {
    bn.append({e, 0.3 * e});
    in.append({e, 0.25 * e});
  }
  for (int s = 20; s <= 120; s += 20) tele.append({s, "4", 1.0 / s});
  draw_demo_figure(dir);
  const std::string script = slurp(dir + "/demo.png.gp");
  CHECK_THAT(script, Catch::Contains("title 'bn2, 32 ch @ 32x32'"));
  CHECK_THAT(script, Catch::Contains("'end of epoch 1' 62"));
  CHECK(slurp(dir + "/summary.csv") == "norm,epochs_to_target\nin,\n");

  const std::string source = slurp(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_demo_figures.cpp");
  const std::string docs = slurp(std::string(JANUS_GOLDEN_DIR) + "/../../docs/examples.md");
  const std::string begin = "// END DOCS SNIPPET", start = "(docs/examples.md shows this verbatim)\n";
  const size_t b = source.find(start) + start.size();
  const std::string block = source.substr(b, source.find(begin, b) - b);
  REQUIRE(block.size() > 100);
  CHECK(docs.find(block) != std::string::npos);
}

TEST_CASE("a shared key draws one legend for the whole figure, each entry once", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_demo_key");
  const PlotSpec spec = four_panel_spec(tmp.str());
  const std::string script = gnuplot_script(spec);
  // Every data panel hides its key; one key-only plot (samples of NaN) carries the legend.
  CHECK(count(script, "unset key\n") == 4);
  CHECK(count(script, "set key ") == 1);
  CHECK_THAT(script, Catch::Contains("set key at screen 0.5,"));
  CHECK(count(script, "NaN with linespoints") == 2);
  CHECK(count(script, "title 'batch norm'") == 5);  // four panels + the key
  CHECK(count(script, "NaN with lines lw 1.5 dt 3 lc rgb '#7f7f7f' title 'chance level (1/10 classes)'") == 1);
  // The chance line is a constant in both accuracy panels only.
  CHECK(count(script, "0.1 with lines lw 1.5 dt 3 lc rgb '#7f7f7f' title 'chance level (1/10 classes)'") == 2);
  // The accuracy panels leave room around the chance line, the loss panels do not.
  CHECK(count(script, "set offsets 0, 0, graph 0.05, graph 0.05\n") == 2);
  CHECK(count(script, "set offsets 0, 0, 0, 0\n") == 2);
  // Panels are placed by hand above the key's band, not by "layout".
  CHECK(count(script, "set origin ") == 5);
  CHECK_THAT(script, !Catch::Contains("set multiplot layout"));
  if (gnuplot_available()) {
    const PlotResult r = plot_png(spec);
    INFO(r.message);
    CHECK(r.drawn);
    CHECK_THAT(r.message, Catch::StartsWith("wrote "));  // gnuplot printed no warning
  }
}

TEST_CASE("a shared key refuses one label in two styles and two labels in one", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_demo_key_clash");
  PlotSpec spec = four_panel_spec(tmp.str());
  spec.panels[1].series[0].color = 3;  // "batch norm" in another colour in one panel
  CHECK_THROWS_WITH(gnuplot_script(spec), Catch::Contains("'batch norm' is drawn in two styles"));
  PlotSpec same = four_panel_spec(tmp.str());
  for (auto& p : same.panels) p.series[1].color = 0;  // "instance norm" in batch norm's colour
  CHECK_THROWS_WITH(gnuplot_script(same), Catch::Contains("'batch norm' and 'instance norm' are drawn in the same style"));
}

TEST_CASE("more series than colours: dashed from the ninth on, with error bars too", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_demo_nine");
  CsvHistory c(tmp.str() + "/c.csv", {"epoch", "acc", "acc_std"});
  c.append({1, 0.5, 0.01});
  c.append({2, 0.6, 0.02});
  PlotSpec spec(tmp.str() + "/nine.png", "nine norms");
  spec.shared_key();
  auto& p = spec.panel("Test accuracy", "epoch", "accuracy");
  for (int i = 0; i < 9; ++i) {
    p.line_err(tmp.str() + "/c.csv", "epoch", "acc", "acc_std", "norm " + std::to_string(i), i);
    p.series.back().dashed = i >= 8;
  }
  const std::string script = gnuplot_script(spec);  // no two entries alike
  CHECK(count(script, "NaN with linespoints lw 2 pt 7 ps 0.7 dt 2 lc rgb '#0072B2' title 'norm 8'") == 1);
  p.series.back().dashed = false;
  CHECK_THROWS_WITH(gnuplot_script(spec), Catch::Contains("'norm 0' and 'norm 8' are drawn in the same style"));
}

TEST_CASE("x marks label positions on the step axis and panels without them reset it", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_demo_marks");
  const std::string dir = tmp.str();
  CsvHistory t(dir + "/t.csv", {"step", "gap"});
  for (int s = 10; s <= 200; s += 10) t.append({s, 1.0 / s});
  PlotSpec spec(dir + "/t.png", "telemetry");
  spec.panel("gap", "step", "gap").line(dir + "/t.csv", "step", "gap", "bn1").xmarks({{62, "end of epoch 1"},
                                                                                       {124, "end of epoch 2"}});
  spec.panel("plain", "step", "gap").line(dir + "/t.csv", "step", "gap", "bn1");
  const std::string script = gnuplot_script(spec);
  CHECK_THAT(script, Catch::Contains("set x2tics ('end of epoch 1' 62, 'end of epoch 2' 124)"));
  CHECK_THAT(script, Catch::Contains("set arrow from first 62, graph 0 to first 62, graph 1 nohead"));
  CHECK_THAT(script, Catch::Contains("set link x2\n"));
  CHECK(count(script, "unset x2tics\n") == 2);  // each panel starts without the other's marks
  CHECK(count(script, "set arrow ") == 2);
  CHECK_THROWS_WITH(PlotPanel("p", "x", "y").xmarks({{std::nan(""), "bad"}}), Catch::Contains("finite x"));
  CHECK_THROWS_WITH(PlotPanel("p", "x", "y").hline(INFINITY, "bad"), Catch::Contains("finite y"));
}

TEST_CASE("norm layers are named by what they are", "[training]") {
  CHECK(norm_short_name("BatchNorm2d") == "bn");
  CHECK(norm_short_name("BatchNorm1d") == "bn");
  CHECK(norm_short_name("InstanceNorm2d") == "in");
  CHECK(norm_short_name("GroupNorm") == "gn");
  CHECK(norm_short_name("LayerNorm") == "ln");
  CHECK(norm_layer_label("bn2", 32, 32, 32) == "bn2, 32 ch @ 32x32");
  CHECK(norm_layer_label("bn1", 100, 0, 0) == "bn1, 100 ch");

  const janus::testing::TempDir tmp("janus_demo_tele");
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(3)));
  net->push_back(std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(3)));   // no running stats, no affine
  net->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(3)));
  NormTelemetry tele(*net, tmp.str() + "/t.csv", 1, "mix");
  Generator gen(1);
  const auto recs = tele.record(1, randn({4, 3, 5, 6}, &gen));
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].name == "bn1");
  CHECK(recs[1].name == "in1");
  CHECK(recs[2].name == "bn2");
  CHECK(recs[2].height == 5);
  CHECK(recs[2].width == 6);
  const CsvTable t = read_csv(tmp.str() + "/t.csv");
  REQUIRE(t.rows.size() == 3);
  // The instance norm has neither running statistics nor gamma/beta: empty cells, no "nan".
  for (const char* col : {"running_mean", "mean_gap", "running_var", "var_ratio", "gamma_mean", "gamma_std",
                          "beta_mean", "beta_std"}) {
    INFO(col);
    CHECK(t.rows[1][t.index(col)].empty());
    CHECK_FALSE(t.rows[0][t.index(col)].empty());
  }
  CHECK(t.rows[1][t.index("name")] == "in1");
  CHECK(t.rows[1][t.index("height")] == "5");
  std::ifstream in(tmp.str() + "/t.csv");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, !Catch::Contains("nan"));
}

TEST_CASE("CSV cells for what does not exist are empty", "[training]") {
  const janus::testing::TempDir tmp("janus_demo_empty");
  CsvHistory h(tmp.str() + "/s.csv", {"norm", "epochs_to_target", "popstats"});
  h.append({"bn", std::optional<double>(3.0), std::optional<double>(0.61)});
  h.append({"pcn", std::nullopt, std::optional<double>()});
  CHECK(h.str() == "norm,epochs_to_target,popstats\nbn,3,0.61\npcn,,\n");
  const CsvTable t = read_csv(tmp.str() + "/s.csv");
  CHECK(t.rows[1] == std::vector<std::string>{"pcn", "", ""});
}

TEST_CASE("summary tables keep at least two spaces between columns", "[training]") {
  const std::string table = format_table({"normalization", "final test acc", "best test acc", "epochs to 0.60"},
                                         {{"batch norm (BatchNorm2d)", "0.6120", "0.6200", "3.0"},
                                          {"instance norm", "0.5830 +- 0.0100", "0.5900", "1/3 never"}});
  CHECK(table ==
        "normalization               final test acc  best test acc  epochs to 0.60\n"
        "batch norm (BatchNorm2d)            0.6120         0.6200             3.0\n"
        "instance norm             0.5830 +- 0.0100         0.5900       1/3 never\n");
  CHECK_THROWS_WITH(format_table({"a", "b"}, {{"1"}}), Catch::Contains("row 1 has 1 cells (expected 2"));
}
