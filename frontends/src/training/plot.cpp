// Curves to PNG: a gnuplot script generated from a PlotSpec (columns resolved by name from
// each CSV header), kept next to the PNG, run with the system's gnuplot when present.
#include <janus/training/plot.h>

#include <janus/core/error.h>
#include <janus/core/process_group.h>
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

// A legend entry of the shared key: the label and the style its sample is drawn in.
struct KeyEntry {
  std::string label;
  std::string style;  // e.g. "with linespoints lw 2 pt 7 ps 0.7 dt 1 lc rgb '#0072B2'"
};

// Adds an entry unless its label is there already; the same label in another style, or
// another label in the same style, throws: the key could not tell them apart.
void add_key_entry(std::vector<KeyEntry>& entries, const KeyEntry& e, const std::string& png) {
  for (const KeyEntry& k : entries) {
    JANUS_CHECK(k.label == e.label || k.style != e.style,
                "plot {}: shared key: '{}' and '{}' are drawn in the same style ({}); give them distinct colours "
                "or dashes", png, k.label, e.label, e.style);
    if (k.label != e.label) continue;
    JANUS_CHECK(k.style == e.style,
                "plot {}: shared key: '{}' is drawn in two styles ({} vs {}); give them distinct labels", png,
                e.label, k.style, e.style);
    return;
  }
  entries.push_back(e);
}

// The reference lines' style (chance level): dotted, grey, thinner than the data.
const char* const kReferenceStyle = "with lines lw 1.5 dt 3 lc rgb '#7f7f7f'";

// A panel's labelled x marks: labels as x2 tics along the top border (x2 linked to x), a
// dashed grey vertical line each; and the reset for panels without marks.
// The reset comes before the panel's log scales (gnuplot refuses "unset link x2" on a log x
// axis), the marks after them.
const char* const kXmarksReset = "unset arrow\nunset x2tics\nunset link x2\n";

std::string xmarks_clause(const PlotPanel& p) {
  std::string s;
  if (p.xmarks_.empty()) return s;
  JANUS_CHECK(!p.log_x_, "plot panel '{}': x marks on a log x axis are not supported (gnuplot cannot link x2 to a "
              "logarithmic x)", p.title);
  std::string tics;
  for (const auto& [x, label] : p.xmarks_) {
    tics += fmt::format("{}{} {}", tics.empty() ? "" : ", ", quote(label), format_number(x));
    s += fmt::format("set arrow from first {0}, graph 0 to first {0}, graph 1 nohead lw 1 dt 2 lc rgb '#909090'\n",
                     format_number(x));
  }
  s += "set link x2\n";
  s += fmt::format("set x2tics ({}) scale 0 font 'Sans,9' textcolor rgb '#606060'\n", tics);
  return s;
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

PlotPanel& PlotPanel::hline(double y, const std::string& label) {
  JANUS_CHECK(std::isfinite(y), "PlotPanel '{}': hline '{}' needs a finite y (got {})", title, label, y);
  hlines.emplace_back(y, label);
  return *this;
}

PlotPanel& PlotPanel::xmarks(std::vector<std::pair<double, std::string>> marks) {
  for (const auto& [x, label] : marks)
    JANUS_CHECK(std::isfinite(x), "PlotPanel '{}': x mark '{}' needs a finite x (got {})", title, label, x);
  xmarks_ = std::move(marks);
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
  std::vector<KeyEntry> shared;  // the shared key's entries, when spec.shared_key_
  // With a shared key every panel is placed by hand (origin, size) above the key's band.
  const double title_frac = 48.0 / spec.height;
  double band_frac = 0;
  int panel_index = 0;
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
      std::string style;
      if (!ser.err_column.empty()) {
        style = fmt::format("with yerrorlines lw 2 pt 7 ps 0.7 dt {} lc rgb '{}'", ser.dashed ? 2 : 1, rgb);
        curves += fmt::format("$s{} using 1:2:3 {} title {}", block, style, quote(ser.label));
      } else {
        style = fmt::format("with {} lw 2 {} dt {} lc rgb '{}'", points ? "linespoints" : "lines",
                            points ? "pt 7 ps 0.7" : "", ser.dashed ? 2 : 1, rgb);
        curves += fmt::format("$s{} using 1:2 {} title {}", block, style, quote(ser.label));
      }
      // In the key a yerrorlines sample reads as its line with a point.
      if (spec.shared_key_)
        add_key_entry(shared, {ser.label, ser.err_column.empty()
                                              ? style
                                              : fmt::format("with linespoints lw 2 pt 7 ps 0.7 dt {} lc rgb '{}'",
                                                            ser.dashed ? 2 : 1, rgb)},
                      spec.png_path);
    }
    for (const auto& [y, label] : p.hlines) {
      curves += fmt::format(", \\\n     {} {} title {}", format_number(y), kReferenceStyle, quote(label));
      if (spec.shared_key_) add_key_entry(shared, {label, kReferenceStyle}, spec.png_path);
    }
    plots += fmt::format("set title {} font 'Sans,13'\nset xlabel {}\nset ylabel {}\n", quote(p.title),
                         quote(p.xlabel), quote(p.ylabel));
    plots += kXmarksReset;
    plots += p.log_x_ ? "set logscale x\n" : "unset logscale x\n";
    plots += p.log_y_ ? "set logscale y\n" : "unset logscale y\n";
    plots += xtics_clause(xs, p.log_x_);
    plots += xmarks_clause(p);
    // A reference line at the data's edge (chance level under every curve) would lie on the
    // border: such panels get 5 percent of room above and below.
    plots += p.hlines.empty() ? "set offsets 0, 0, 0, 0\n" : "set offsets 0, 0, graph 0.05, graph 0.05\n";
    if (spec.shared_key_) {
      plots += "set bmargin\nunset key\n";
      plots += "{PANEL_PLACE_" + std::to_string(panel_index) + "}";  // filled in once the key's band is known
    } else {
      plots += p.key_ == KeySide::kBelow ? fmt::format("set bmargin {}\n", below_margin) : "set bmargin\n";
      plots += key_clause(p.key_);
    }
    plots += "plot " + curves + "\n";
    ++panel_index;
  }
  if (!spec.shared_key_) {
    s += fmt::format("set multiplot layout {},{} title {} font 'Sans,15'\n", rows, cols, quote(spec.title));
    s += plots;
    s += "unset multiplot\n";
    return s;
  }
  // The shared key's band: one line per key row (the entries packed as gnuplot packs a
  // horizontal key, about 7 px per character of the longest label plus the sample), a box.
  size_t longest = 0;
  for (const KeyEntry& k : shared) longest = std::max(longest, k.label.size());
  const int per_row = std::max(1, (spec.width - 100) / (static_cast<int>(longest) * 7 + 60));
  const int key_rows = (static_cast<int>(shared.size()) + per_row - 1) / per_row;
  band_frac = (22.0 * key_rows + 24.0) / spec.height;
  const double w = 1.0 / cols, h = (1.0 - title_frac - band_frac) / rows;
  for (int i = 0; i < panel_index; ++i) {
    const int r = i / cols, c = i % cols;
    const std::string place = fmt::format("set origin {:.4f},{:.4f}\nset size {:.4f},{:.4f}\n", c * w,
                                          band_frac + (rows - 1 - r) * h, w, h);
    const std::string marker = "{PANEL_PLACE_" + std::to_string(i) + "}";
    plots.replace(plots.find(marker), marker.size(), place);
  }
  s += fmt::format("set multiplot title {} font 'Sans,15'\n", quote(spec.title));
  s += plots;
  // The key alone, in the band: a plot with no border, tics or data, only the samples.
  s += "# the figure's one legend\n";
  s += fmt::format("set origin 0,0\nset size 1,{:.4f}\n", band_frac);
  s += "unset title\nunset xlabel\nunset ylabel\nunset border\nunset tics\nunset x2tics\nunset grid\n"
       "unset arrow\nunset logscale\nset xrange [0:1]\nset yrange [0:1]\n";
  s += fmt::format("set key at screen 0.5,{:.4f} center center horizontal maxcols {} Left reverse box samplen 2 "
                   "spacing 1.1 font 'Sans,10'\n",
                   band_frac / 2, per_row);
  std::string samples;
  for (const KeyEntry& k : shared)
    samples += fmt::format("{}NaN {} title {}", samples.empty() ? "" : ", \\\n     ", k.style, quote(k.label));
  s += "plot " + samples + "\n";
  s += "unset multiplot\n";
  return s;
}

PlotResult plot_png(const PlotSpec& spec) {
  PlotResult r;
  if (!process_group().is_root()) {  // under mpirun only rank 0 draws
    r.message = "drawn by rank 0";
    return r;
  }
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
