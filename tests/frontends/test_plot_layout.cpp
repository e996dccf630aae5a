// Plot layout settings in the generated gnuplot script: whole-number x tics when the x data
// are whole numbers (epochs, steps, batch sizes), automatic tics otherwise, and the legend
// (key) always in a margin outside the plot area, with room made for it below.
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <janus/training/csv_history.h>
#include <janus/training/plot.h>

#include <filesystem>
#include <string>

using namespace janus::training;
namespace fs = std::filesystem;

namespace {

// The script lines of panel `index` (0-based): from its "set title" to its "plot".
std::string panel_settings(const std::string& script, int index) {
  size_t at = 0;
  for (int i = 0; i <= index; ++i) {
    at = script.find("set title", at);
    REQUIRE(at != std::string::npos);
    if (i < index) ++at;
  }
  const size_t end = script.find("\nplot ", at);
  REQUIRE(end != std::string::npos);
  return script.substr(at, end - at + 1);
}

}  // namespace

TEST_CASE("plot x tics are whole numbers when the x column holds only whole numbers", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_plot_layout");
  const std::string dir = tmp.str();
  CsvHistory epochs(dir + "/epochs.csv", {"epoch", "acc"});
  for (int e = 1; e <= 3; ++e) epochs.append({e, 0.2 * e});
  CsvHistory long_run(dir + "/long.csv", {"epoch", "acc"});
  for (int e = 1; e <= 40; ++e) long_run.append({e, 0.01 * e});
  CsvHistory frac(dir + "/frac.csv", {"t", "y"});
  for (int i = 1; i <= 4; ++i) frac.append({0.5 * i, 1.0 * i});
  CsvHistory sweep(dir + "/sweep.csv", {"batch", "err"});
  for (int b : {32, 16, 8, 4, 2}) sweep.append({b, 20.0 + b});

  PlotSpec spec(dir + "/tics.png", "tics");
  spec.panel("3 epochs", "epoch", "acc").line(dir + "/epochs.csv", "epoch", "acc", "a");
  spec.panel("fractional x", "t", "y").line(dir + "/frac.csv", "t", "y", "f");
  spec.panel("40 epochs", "epoch", "acc").line(dir + "/long.csv", "epoch", "acc", "a");
  spec.panel("batch sizes", "batch", "error").log_x().line(dir + "/sweep.csv", "batch", "err", "e");
  const std::string script = gnuplot_script(spec);

  // Range 1..3: a tic at every whole number, printed without decimals (no 1.5, 2.5).
  const std::string p0 = panel_settings(script, 0);
  CHECK_THAT(p0, Catch::Contains("set xtics 1\n"));
  CHECK_THAT(p0, Catch::Contains("set format x '%.0f'\n"));
  // Fractional data keep gnuplot's automatic tics and format, reset after the panel before.
  const std::string p1 = panel_settings(script, 1);
  CHECK_THAT(p1, Catch::Contains("set xtics autofreq\n"));
  CHECK_THAT(p1, Catch::Contains("set format x '% h'\n"));
  CHECK_THAT(p1, !Catch::Contains("'%.0f'"));
  // Range 1..40: a 1-2-5 step giving at most about 8 intervals (39 / 8 -> 5).
  CHECK_THAT(panel_settings(script, 2), Catch::Contains("set xtics 5\n"));
  // Log axis: the batch sizes themselves, with room beyond the outer ones.
  const std::string p3 = panel_settings(script, 3);
  CHECK_THAT(p3, Catch::Contains("set logscale x\n"));
  CHECK_THAT(p3, Catch::Contains("set xtics (2, 4, 8, 16, 32)\n"));
  CHECK_THAT(p3, Catch::Contains("set xrange [1.6:40]\n"));
  // gnuplot refuses "unset link x2" once x is logarithmic ("You must clear nonlinear x or y
  // before linking it"), so the x2 reset comes before the log scale and the figure is drawn.
  CHECK(p3.find("unset link x2") < p3.find("set logscale x"));
  const PlotResult r = plot_png(spec);
  if (gnuplot_available()) {
    INFO(r.message);
    CHECK(r.drawn);
  }
}

TEST_CASE("plot keys sit outside the plot area with a bottom margin made for them", "[training][plot]") {
  const janus::testing::TempDir tmp("janus_plot_layout");
  const std::string dir = tmp.str();
  CsvHistory a(dir + "/a.csv", {"epoch", "loss", "acc"});
  for (int e = 1; e <= 4; ++e) a.append({e, 2.0 / e, 0.1 + 0.15 * e});
  PlotSpec spec(dir + "/keys.png", "keys");
  spec.size(800, 600);
  spec.panel("default", "epoch", "loss").line(dir + "/a.csv", "epoch", "loss", "BatchNorm");
  spec.panel("below by name", "epoch", "acc")
      .key("below")
      .line(dir + "/a.csv", "epoch", "acc", "BatchNorm")
      .line(dir + "/a.csv", "epoch", "loss", "per-channel norm (InstanceNorm2d, affine)", true);
  spec.panel("right", "epoch", "acc").key("right").line(dir + "/a.csv", "epoch", "acc", "bn");
  const std::string script = gnuplot_script(spec);
  CHECK_THAT(script, !Catch::Contains("inside"));
  CHECK_THAT(script, !Catch::Contains("set key top"));
  CHECK_THAT(script, !Catch::Contains("set key bottom"));
  // Below (the default, also asked for by name): in the bottom margin,
  // which is set explicitly -- the same for every such panel, so a row's plots line up --
  // and is taller than gnuplot's tic labels + x label (the 5.4 overlap of key and x label).
  const std::string p0 = panel_settings(script, 0), p1 = panel_settings(script, 1);
  CHECK_THAT(p0, Catch::Contains("set key bmargin center horizontal"));
  CHECK_THAT(p1, Catch::Contains("set key bmargin center horizontal"));
  // Panel width 400 px: the long label leaves room for one entry per row -> 2 rows, 4 + 2.
  CHECK_THAT(p0, Catch::Contains("set bmargin 6\n"));
  CHECK_THAT(p1, Catch::Contains("set bmargin 6\n"));
  // Right: in the right margin, and the bottom margin back to automatic.
  const std::string p2 = panel_settings(script, 2);
  CHECK_THAT(p2, Catch::Contains("set key rmargin top vertical"));
  CHECK_THAT(p2, Catch::Contains("set bmargin\n"));

  // gnuplot accepts every setting: it draws without a warning.
  const PlotResult r = plot_png(spec);
  if (gnuplot_available()) {
    INFO(r.message);
    CHECK(r.drawn);
    CHECK_THAT(r.message, Catch::StartsWith("wrote"));
  }
}

TEST_CASE("plot key sides are below above right or left and nothing else", "[training][plot]") {
  PlotPanel p("t", "x", "y");
  CHECK(p.key_ == KeySide::kBelow);
  CHECK(p.key("above").key_ == KeySide::kAbove);
  CHECK(p.key("left").key_ == KeySide::kLeft);
  CHECK(p.key(KeySide::kRight).key_ == KeySide::kRight);
  for (KeySide side : {KeySide::kBelow, KeySide::kAbove, KeySide::kRight, KeySide::kLeft})
    CHECK(key_side_from_name(key_side_name(side)) == side);
  // An inside corner name or a typo is an error naming the value and the accepted sides;
  // the panel keeps its side.
  for (const char* bad : {"bottom right", "top right", "belwo", "Below", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(p.key(bad), janus::Error);
    CHECK_THROWS_WITH(p.key(bad), Catch::Contains(fmt::format("(got '{}')", bad)) &&
                                      Catch::Contains("below, above, right or left"));
  }
  CHECK(p.key_ == KeySide::kRight);
}
