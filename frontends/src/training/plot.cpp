// Curves to PNG: a gnuplot script generated from a PlotSpec (columns resolved by name from
// each CSV header), kept next to the PNG, run with the system's gnuplot when present.
#include <janus/training/plot.h>

#include <janus/core/error.h>
#include <janus/training/csv_history.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <limits>
#include <set>
#include <sys/wait.h>

namespace janus::training {

namespace {

// A colour-blind-friendly palette (Okabe-Ito), darkest first.
const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};

// gnuplot single-quoted string: a quote is written twice.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c != '\n') out += c;
  }
  return out + "'";
}

// The key clause for a side of the plot area. The key always goes in a margin, outside the
// area the curves are drawn in, so no placement can hide a line.
std::string key_clause(KeySide side) {
  const char* where = "bmargin center horizontal";
  switch (side) {
    case KeySide::kBelow: break;
    case KeySide::kAbove: where = "tmargin center horizontal"; break;
    case KeySide::kRight: where = "rmargin top vertical"; break;
    case KeySide::kLeft: where = "lmargin top vertical"; break;
  }
  return fmt::format("set key {} Left reverse box samplen 2 spacing 1.1 font 'Sans,10'\n", where);
}

// gnuplot's automatic bottom margin makes room for the key or for the x label, not both
// (5.4 draws a key below over the x label), so a key below gets an explicit margin in
// character heights: tic labels, x label, one line per key row, the box. The rows are
// estimated the way gnuplot packs a horizontal key: as many entries per row as fit the
// panel's width at about 7 px per character of the longest label plus the line sample.
int bottom_margin_for_key(const PlotPanel& p, int panel_width_px) {
  size_t longest = 0;
  for (const PlotSeries& ser : p.series) longest = std::max(longest, ser.label.size());
  const int entry_px = static_cast<int>(longest) * 7 + 60;
  const int per_row = std::max(1, (panel_width_px - 100) / entry_px);
  const int rows = (static_cast<int>(p.series.size()) + per_row - 1) / per_row;
  return 4 + rows;
}

// What a panel's x values are: their range, whether all are whole numbers, the distinct ones.
struct XValues {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  bool all_whole = true;
  std::set<double> distinct;
  void add(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) return;  // 'nan' / empty: a gap
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    if (v != std::floor(v) || std::fabs(v) > 1e15) all_whole = false;
    if (distinct.size() <= 64) distinct.insert(v);
  }
};

// The smallest of 1, 2, 5, 10, 20, 50, ... that is >= raw (and >= 1).
long long whole_step(double raw) {
  if (raw <= 1.0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double m = raw / p;
  const double f = m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0;
  return std::llround(f * p);
}

// The x tic settings of a panel. gnuplot's automatic tics on a range such as 1..3 fall on
// halves (1.5, 2.5), which read wrong for epochs or steps; with whole-number data the tics
// are put on whole numbers: multiples of a 1-2-5 step giving at most about 8 intervals on a
// linear axis, the data's own values on a log axis (batch sizes 2, 4, ..., 32).
std::string xtics_clause(const XValues& x, bool log_x) {
  const std::string automatic = "set xtics autofreq\nset format x '% h'\nset autoscale x\n";
  if (!x.all_whole || x.distinct.empty()) return automatic;
  if (log_x) {
    if (x.distinct.size() > 12 || x.lo <= 0) return automatic;
    std::string list;
    for (double v : x.distinct) list += fmt::format("{}{:.0f}", list.empty() ? "" : ", ", v);
    // A little room beyond the outer values, which would otherwise sit on the border.
    return fmt::format("set xtics ({})\nset format x '%.0f'\nset xrange [{}:{}]\n", list, x.lo / 1.25,
                       x.hi * 1.25);
  }
  return fmt::format("set xtics {}\nset format x '%.0f'\nset autoscale x\n", whole_step((x.hi - x.lo) / 8.0));
}

}  // namespace

KeySide key_side_from_name(const std::string& name) {
  for (KeySide side : {KeySide::kBelow, KeySide::kAbove, KeySide::kRight, KeySide::kLeft})
    if (name == key_side_name(side)) return side;
  JANUS_FAIL("plot key: expected below, above, right or left (got '{}')", name);
}

const char* key_side_name(KeySide side) {
  switch (side) {
    case KeySide::kBelow: return "below";
    case KeySide::kAbove: return "above";
    case KeySide::kRight: return "right";
    case KeySide::kLeft: return "left";
  }
  return "below";
}

PlotPanel& PlotPanel::line(const std::string& csv, const std::string& x, const std::string& y, const std::string& label,
                           bool dashed, int color) {
  PlotSeries s;
  s.csv_path = csv;
  s.x_column = x;
  s.y_column = y;
  s.label = label;
  s.dashed = dashed;
  s.color = color;
  series.push_back(s);
  return *this;
}

PlotPanel& PlotPanel::line_err(const std::string& csv, const std::string& x, const std::string& y,
                               const std::string& err, const std::string& label, int color) {
  line(csv, x, y, label, false, color);
  series.back().err_column = err;
  return *this;
}

PlotPanel& PlotPanel::where(const std::string& column, const std::string& value) {
  JANUS_CHECK(!series.empty(), "PlotPanel '{}': where() needs a series first", title);
  series.back().where_column = column;
  series.back().where_value = value;
  return *this;
}

PlotPanel& PlotSpec::panel(const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  panels.emplace_back(title, xlabel, ylabel);
  return panels.back();
}

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string gnuplot_script(const PlotSpec& spec) {
  JANUS_CHECK(!spec.panels.empty(), "plot {}: expected at least one panel (got none)", spec.png_path);
  const int cols = std::max(1, std::min<int>(spec.grid_columns, static_cast<int>(spec.panels.size())));
  const int rows = (static_cast<int>(spec.panels.size()) + cols - 1) / cols;
  std::string s;
  s += "# janus: generated by janus::training::plot_png; re-run with `gnuplot <this file>`\n";
  s += fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,11' linewidth 1.2\n", spec.width,
                   spec.height);
  s += fmt::format("set output {}\n", quote(spec.png_path));
  s += "set datafile separator ','\nset datafile missing 'nan'\n";
  s += "set grid lc rgb '#d0d0d0'\nset border lc rgb '#404040'\n";
  // Data blocks first: each series' selected rows as "x,y[,err]".
  std::string plots;
  int block = 0;
  // One bottom margin for every panel with its key below, so that a row's plots line up.
  int below_margin = 0;
  for (const PlotPanel& p : spec.panels)
    if (p.key_ == KeySide::kBelow) below_margin = std::max(below_margin, bottom_margin_for_key(p, spec.width / cols));
  for (const PlotPanel& p : spec.panels) {
    JANUS_CHECK(!p.series.empty(), "plot {}: panel '{}' has no series", spec.png_path, p.title);
    std::string curves;  // the plot command's series, after the panel's settings
    XValues xs;
    int next_color = 0;
    for (size_t i = 0; i < p.series.size(); ++i, ++block) {
      const PlotSeries& ser = p.series[i];
      const CsvTable t = read_csv(ser.csv_path);  // throws naming the file when missing
      const size_t xi = t.index(ser.x_column), yi = t.index(ser.y_column);
      const size_t ei = ser.err_column.empty() ? 0 : t.index(ser.err_column);
      const size_t wi = ser.where_column.empty() ? 0 : t.index(ser.where_column);
      size_t rows = 0;
      s += fmt::format("$s{} << EOD\n", block);
      for (const auto& r : t.rows) {
        if (!ser.where_column.empty() && r[wi] != ser.where_value) continue;
        s += r[xi] + "," + r[yi];
        xs.add(r[xi]);
        if (!ser.err_column.empty()) s += "," + r[ei];
        s += "\n";
        ++rows;
      }
      s += "EOD\n";
      JANUS_CHECK(rows > 0, "plot {}: series '{}' selects no rows of {}", spec.png_path, ser.label, ser.csv_path);
      const int color = ser.color >= 0 ? ser.color : next_color++;
      const char* rgb = kPalette[static_cast<size_t>(color) % (sizeof(kPalette) / sizeof(kPalette[0]))];
      const bool points = rows <= 40;
      if (i) curves += ", \\\n     ";
      if (!ser.err_column.empty()) {
        curves += fmt::format("$s{} using 1:2:3 with yerrorlines lw 2 pt 7 ps 0.7 lc rgb '{}' title {}", block, rgb,
                              quote(ser.label));
      } else {
        curves += fmt::format("$s{} using 1:2 with {} lw 2 {} dt {} lc rgb '{}' title {}", block,
                              points ? "linespoints" : "lines", points ? "pt 7 ps 0.7" : "", ser.dashed ? 2 : 1, rgb,
                              quote(ser.label));
      }
    }
    plots += fmt::format("set title {} font 'Sans,13'\nset xlabel {}\nset ylabel {}\n", quote(p.title),
                         quote(p.xlabel), quote(p.ylabel));
    plots += p.log_x_ ? "set logscale x\n" : "unset logscale x\n";
    plots += p.log_y_ ? "set logscale y\n" : "unset logscale y\n";
    plots += xtics_clause(xs, p.log_x_);
    plots += p.key_ == KeySide::kBelow ? fmt::format("set bmargin {}\n", below_margin) : "set bmargin\n";
    plots += key_clause(p.key_);
    plots += "plot " + curves + "\n";
  }
  s += fmt::format("set multiplot layout {},{} title {} font 'Sans,15'\n", rows, cols, quote(spec.title));
  s += plots;
  s += "unset multiplot\n";
  return s;
}

PlotResult plot_png(const PlotSpec& spec) {
  PlotResult r;
  const std::string script = gnuplot_script(spec);
  r.script_path = spec.png_path + ".gp";
  write_file_atomic(r.script_path, script);
  if (!gnuplot_available()) {
    r.message = fmt::format(
        "gnuplot not found: no picture drawn, the CSV files are written (install gnuplot-nox, then run "
        "`gnuplot {}`)",
        r.script_path);
    return r;
  }
  const std::string cmd = fmt::format("gnuplot '{}' 2>&1", r.script_path);
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) {
    r.message = fmt::format("could not start gnuplot for {}", spec.png_path);
    return r;
  }
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = ::pclose(pipe);
  if (status != 0 || !output.empty()) {
    r.drawn = status == 0;
    r.message = fmt::format("gnuplot {} for {}: {}", status == 0 ? "warned" : "failed", spec.png_path, output);
    return r;
  }
  r.drawn = true;
  r.message = fmt::format("wrote {}", spec.png_path);
  return r;
}

}  // namespace janus::training
