// Curves to PNG through gnuplot (Debian's gnuplot-nox), not a hand-written rasterizer.
// A PlotSpec is a grid of panels, each with titled axes and a legend of series read from
// CSV files by column name; the selected data are embedded in the generated script (kept
// next to the PNG as <png>.gp), so it re-runs by hand. Legends sit outside the plot area and
// whole-number x columns get whole-number tics. When gnuplot is missing, plot_png() draws
// nothing and says so in PlotResult::message; the CSV files are untouched.
//
//   PlotSpec spec("out/curves.png", "BN vs per-channel norm");
//   spec.panel("Test accuracy", "epoch", "accuracy")
//       .line("out/curves_bn.csv", "epoch", "test_acc", "bn")
//       .line("out/curves_pcn.csv", "epoch", "test_acc", "pcn");
//   PlotResult r = plot_png(spec);  if (!r.drawn) fmt::print("{}\n", r.message);
// A figure of several panels can share one legend (spec.shared_key()); a panel can carry a
// reference line (hline: chance level) and labelled x marks (xmarks: epoch boundaries).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace janus::training {

struct PlotSeries {
  std::string csv_path;
  std::string x_column;
  std::string y_column;
  std::string label;         // legend entry
  std::string err_column;    // optional: drawn as error bars (e.g. the std over seeds)
  bool dashed = false;
  int color = -1;            // index into the palette; -1: next colour
  std::string where_column;  // optional: only rows whose where_column equals where_value
  std::string where_value;
};

// The side of a panel's plot area its key (legend) is drawn on, outside the area.
enum class KeySide { kBelow, kAbove, kRight, kLeft };
// "below", "above", "right" or "left"; throws janus::Error naming the value and these four.
KeySide key_side_from_name(const std::string& name);
const char* key_side_name(KeySide side);

struct PlotPanel {
  PlotPanel(std::string title, std::string xlabel, std::string ylabel)
      : title(std::move(title)), xlabel(std::move(xlabel)), ylabel(std::move(ylabel)) {}
  PlotPanel& line(const std::string& csv, const std::string& x, const std::string& y,
                  const std::string& label, bool dashed = false, int color = -1);
  PlotPanel& line_err(const std::string& csv, const std::string& x, const std::string& y,
                      const std::string& err, const std::string& label, int color = -1);
  // Restricts the last added series to rows where `column` == `value` (long-format CSVs).
  PlotPanel& where(const std::string& column, const std::string& value);
  PlotPanel& log_x(bool v = true) { log_x_ = v; return *this; }
  PlotPanel& log_y(bool v = true) { log_y_ = v; return *this; }
  // Which side of the plot area the key (legend) goes on; it is always drawn OUTSIDE the
  // area, so it never covers a line: below (default, entries side by side), above, right
  // or left (entries stacked). The string form takes exactly "below", "above", "right" or
  // "left" and throws janus::Error for anything else (e.g. an inside corner "top right").
  PlotPanel& key(KeySide side) { key_ = side; return *this; }
  PlotPanel& key(const std::string& side) { key_ = key_side_from_name(side); return *this; }
  // A horizontal reference line across the panel at y (e.g. chance-level accuracy), dotted
  // grey, listed in the legend as `label`; the y range always includes it.
  PlotPanel& hline(double y, const std::string& label);
  // Labelled marks on the x axis, drawn along the top border with a vertical grid line each
  // (e.g. the epoch boundaries on a step axis: {{62, "epoch 1"}, {124, "epoch 2"}}).
  PlotPanel& xmarks(std::vector<std::pair<double, std::string>> marks);
  std::string title, xlabel, ylabel;
  std::vector<PlotSeries> series;
  std::vector<std::pair<double, std::string>> hlines, xmarks_;
  bool log_x_ = false;
  bool log_y_ = false;
  KeySide key_ = KeySide::kBelow;
};

struct PlotSpec {
  PlotSpec(std::string png_path, std::string title) : png_path(std::move(png_path)), title(std::move(title)) {}
  // Adds a panel and returns it for chaining.
  PlotPanel& panel(const std::string& title, const std::string& xlabel, const std::string& ylabel);
  PlotSpec& size(int w, int h) { width = w; height = h; return *this; }
  PlotSpec& columns(int c) { grid_columns = c; return *this; }
  // One legend for the whole figure, in a band under the panels, instead of one per panel
  // (the panels' key() sides are then ignored): every distinct entry (label, colour, style)
  // of every panel once, in order of first appearance. Throws janus::Error from
  // gnuplot_script() when one label is drawn in two styles or two labels in one style, as
  // the key could not tell them apart.
  PlotSpec& shared_key(bool v = true) { shared_key_ = v; return *this; }
  std::string png_path;
  std::string title;
  std::vector<PlotPanel> panels;
  int width = 1400;
  int height = 900;
  int grid_columns = 2;
  bool shared_key_ = false;
};

struct PlotResult {
  bool drawn = false;
  std::string message;      // what happened, for the user ("wrote out/curves.png", "gnuplot not found ...")
  std::string script_path;  // the gnuplot script kept next to the PNG (re-run it by hand)
};

// True when a `gnuplot` executable is on PATH.
bool gnuplot_available();
// The gnuplot script for a spec (column names resolved to indices from each CSV header).
// When every x value of a panel is a whole number (epochs, steps, batch sizes) the x tics
// are whole numbers too: a step of 1, 2, 5, 10, 20, ... on a linear axis, the values
// themselves on a log axis with at most 12 of them. Throws janus::Error when a CSV or
// column is missing.
std::string gnuplot_script(const PlotSpec& spec);
// Writes <png>.gp and runs gnuplot on it. Never throws for a missing gnuplot or a failed
// run (the message says what went wrong); throws for a bad spec (missing CSV or column).
PlotResult plot_png(const PlotSpec& spec);

}  // namespace janus::training
