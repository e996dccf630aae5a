// Model::summary(): Keras 3's table (keras/src/utils/summary_utils.py rendered by rich):
// a heavy-headed box, one row per layer with a rule between rows, columns at 45% / 80% /
// 100% of the line length squeezed by rich's rule when they do not fit, cells word-wrapped
// and cut with an ellipsis, then the totals with their float32 sizes ("136.04 KB").
#include <janus/keras/model.h>

#include "keras_internal.h"

#include <cmath>

namespace janus::keras {

namespace {

// Display width of UTF-8 text (every code point one cell: the texts are ASCII plus '…').
size_t cells(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string repeat(const char* glyph, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += glyph;
  return out;
}

// The first `width` - 1 characters of an ASCII text and an ellipsis, as rich cuts a line.
std::string cut(const std::string& s, size_t width) {
  if (cells(s) <= width) return s;
  return s.substr(0, width - 1) + "\u2026";
}

// rich's word wrap: a word goes on the current line when it fits without its trailing
// space, otherwise it starts a new line; a line still too wide is cut with an ellipsis.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> words;
  for (size_t b = 0; b <= text.size();) {
    size_t e = text.find(' ', b);
    if (e == std::string::npos) e = text.size();
    words.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  std::vector<std::string> lines;
  std::string line;
  for (const std::string& w : words) {
    if (line.empty() && lines.empty()) {
      line = w;
    } else if (line.size() + 1 + w.size() <= width) {
      line += " " + w;
    } else {
      lines.push_back(line);
      line = w;
    }
  }
  lines.push_back(line);
  for (auto& l : lines) l = cut(l, width);
  return lines;
}

// Python's round(): halves to even, as rich's ratio_reduce rounds.
int64_t round_half_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// Column widths with their one-cell padding on each side, for a table `line_length` wide
// with one border cell more than columns: Keras asks int(p * L) - previous for each position
// p (0.45, 0.80, 1.0; with "Connected to": 0.3, 0.56, 0.74, 1.0); rich takes the excess off
// evenly (ratio_reduce with equal ratios).
std::vector<size_t> column_widths(int line_length, const std::vector<double>& positions) {
  std::vector<int64_t> w;
  int64_t current = 0;
  for (double p : positions) {
    const int64_t width = static_cast<int64_t>(p * line_length) - current;
    JANUS_CHECK(width >= 4, "summary: line_length {} is too narrow to print the table", line_length);
    w.push_back(width + 2);
    current += width;
  }
  const int64_t borders = static_cast<int64_t>(positions.size()) + 1;
  int64_t excess = -(line_length - borders);
  for (int64_t v : w) excess += v;
  if (excess > 0) {
    int64_t ratio = static_cast<int64_t>(w.size());
    for (auto& v : w) {
      const int64_t take = std::min(v, round_half_even(static_cast<double>(excess) / static_cast<double>(ratio)));
      v -= take;
      excess -= take;
      --ratio;
    }
  }
  return std::vector<size_t>(w.begin(), w.end());
}

std::string commas(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// Keras' readable_memory_size: bytes in B, KB, MB, ... (powers of 1024) with 2 decimals.
std::string memory_size(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  for (const char* unit : units) {
    if (bytes / 1024.0 < 1.0) return fmt::format("{:.2f} {}", bytes, unit);
    bytes /= 1024.0;
  }
  return fmt::format("{:.2f} PB", bytes);
}

}  // namespace

std::string Model::summary_string(int line_length) const {
  // Keras 3: a functional model that is not a chain gets the fourth column "Connected to".
  const bool connections = functional_ && !sequential_like_;
  const std::vector<size_t> seg = column_widths(
      line_length, connections ? std::vector<double>{0.3, 0.56, 0.74, 1.0} : std::vector<double>{0.45, 0.80, 1.0});
  const size_t columns = seg.size();
  const bool right[4] = {false, false, true, false};
  // One table row: the cells wrapped to their widths, top-aligned, between `bar` glyphs.
  auto row = [&](const std::vector<std::string>& fields, const char* bar) {
    std::vector<std::vector<std::string>> wrapped(columns);
    size_t height = 1;
    for (size_t c = 0; c < columns; ++c) {
      wrapped[c] = wrap(fields[c], seg[c] - 2);
      height = std::max(height, wrapped[c].size());
    }
    std::string out;
    for (size_t i = 0; i < height; ++i) {
      out += bar;
      for (size_t c = 0; c < columns; ++c) {
        const std::string text = i < wrapped[c].size() ? wrapped[c][i] : "";
        const std::string pad(seg[c] - 2 - cells(text), ' ');
        out += " " + (right[c] ? pad + text : text + pad) + " " + bar;
      }
      out += "\n";
    }
    return out;
  };
  auto rule = [&](const char* left, const char* line, const char* mid, const char* end) {
    std::string out = left;
    for (size_t c = 0; c < columns; ++c) out += (c ? mid : "") + repeat(line, seg[c]);
    return out + end + "\n";
  };
  std::string out = fmt::format("Model: \"{}\"\n", name_);
  out += rule("\u250f", "\u2501", "\u2533", "\u2513");                         // ┏━┳┓
  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (connections) header.push_back("Connected to");
  out += row(header, "\u2503");                                                 // ┃
  out += rule("\u2521", "\u2501", "\u2547", "\u2529");                         // ┡━╇┩
  int64_t trainable = 0, frozen = 0;
  bool first = true;
  for (const auto& l : layers_) {
    // Keras lists a functional model's InputLayers, not a Sequential's.
    if (!functional_ && dynamic_cast<layers::Input*>(l.get())) continue;
    if (!first) out += rule("\u251c", "\u2500", "\u253c", "\u2524");          // ├─┼┤
    first = false;
    const int64_t t = l->trainable_params(), f = l->non_trainable_params();
    trainable += t;
    frozen += f;
    // The output shape of the layer's last call; "Connected to" lists the inputs of every
    // call as <layer>[<node index>][<tensor index>] (one output per layer: index 0).
    Shape shape;
    std::string connected;
    for (const Node& n : nodes_) {
      if (n.layer != l) continue;
      shape = n.shape;
      for (size_t j : n.inputs)
        connected += fmt::format("{}{}[{}][0]", connected.empty() ? "" : ", ", nodes_[j].layer->name(),
                                 nodes_[j].node_index);
    }
    std::vector<std::string> fields{fmt::format("{} ({})", l->name(), l->class_name()), keras_shape(shape),
                                    commas(t + f)};
    if (connections) fields.push_back(connected.empty() ? "-" : connected);
    out += row(fields, "\u2502");                                              // │
  }
  out += rule("\u2514", "\u2500", "\u2534", "\u2518");                         // └─┴┘
  // float32 weights: 4 bytes each.
  auto line = [](const char* what, int64_t n) {
    return fmt::format(" {}: {} ({})\n", what, commas(n), memory_size(4.0 * static_cast<double>(n)));
  };
  out += line("Total params", trainable + frozen);
  out += line("Trainable params", trainable);
  out += line("Non-trainable params", frozen);
  return out;
}

void Model::summary(std::ostream& os) const { os << summary_string(); }

}  // namespace janus::keras
