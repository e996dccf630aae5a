// to_string / operator<< for tensors, laid out as torch 1.13 prints them (torch/_tensor_str.py's
// rules with its default print options: precision 4, line width 80, "..." past 1000 elements
// with 3 edge items): one format chosen from all shown values, every element padded to one
// width, rows wrapped at 80 columns, then the requires_grad / grad_fn suffix.
#include <janus/core/autograd.h>
#include <janus/core/tensor.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

namespace janus {

namespace {

constexpr int64_t kThreshold = 1000, kEdge = 3, kLineWidth = 80;

// The indices of an axis of size n that are shown: all, or the first and last kEdge.
std::vector<int64_t> shown(int64_t n, bool summarize) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    if (!summarize || n <= 2 * kEdge || i < kEdge || i >= n - kEdge) out.push_back(i);
  return out;
}

// Every value that will be printed (torch's get_summarized_data), to choose the format from.
void collect(std::vector<double>& out, const float* p, const Shape& shape, size_t axis, bool summarize) {
  const int64_t inner = numel_of(Shape(shape.begin() + axis + 1, shape.end()));
  for (int64_t i : shown(shape[axis], summarize)) {
    if (axis + 1 == shape.size())
      out.push_back(p[i]);
    else
      collect(out, p + i * inner, shape, axis + 1, summarize);
  }
}

// torch's _Formatter for floating tensors: integer mode ("3."), fixed ("3.1416") or scientific
// ("3.1416e+00"), and the width of the widest nonzero finite value in that format.
class Formatter {
 public:
  explicit Formatter(const std::vector<double>& values) {
    std::vector<double> nz;
    for (double v : values)
      if (std::isfinite(v) && v != 0.0) nz.push_back(v);
    if (nz.empty()) return;  // integer mode, width 1
    double lo = std::fabs(nz[0]), hi = lo;
    for (double v : nz) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8;
    } else {
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4;
    }
    for (double v : nz) {
      const size_t len = sci_mode_ ? fmt::format("{:.4e}", v).size()
                         : int_mode_ ? fmt::format("{:.0f}", v).size() + 1  // the "." of "3."
                                     : fmt::format("{:.4f}", v).size();
      width_ = std::max(width_, len);
    }
  }
  size_t width() const { return width_; }
  std::string format(double v) const {
    std::string s;
    if (sci_mode_) {
      s = fmt::format("{:.4e}", v);
    } else if (int_mode_) {
      s = fmt::format("{:.0f}", v);
      if (std::isfinite(v)) s += '.';
    } else {
      s = fmt::format("{:.4f}", v);
    }
    return s.size() < width_ ? std::string(width_ - s.size(), ' ') + s : s;
  }

 private:
  bool int_mode_ = true, sci_mode_ = false;
  size_t width_ = 1;
};

// One axis at `indent` columns: a bracketed row of elements wrapped at the line width, or the
// sub-tensors joined by "," and (dims - 1) newlines.
std::string format_axis(const float* p, const Shape& shape, size_t axis, int64_t indent, bool summarize,
                        const Formatter& f) {
  const int64_t n = shape[axis];
  const bool cut = summarize && n > 2 * kEdge;
  std::vector<std::string> parts;
  if (axis + 1 == shape.size()) {
    for (int64_t i : shown(n, summarize)) {
      if (cut && i == n - kEdge) parts.push_back(" ...");
      parts.push_back(f.format(p[i]));
    }
    const int64_t per_line =
        std::max<int64_t>(1, (kLineWidth - indent) / static_cast<int64_t>(f.width() + 2));
    std::string out = "[";
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += static_cast<int64_t>(i) % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
      out += parts[i];
    }
    return out + "]";
  }
  const int64_t inner = numel_of(Shape(shape.begin() + axis + 1, shape.end()));
  for (int64_t i : shown(n, summarize)) {
    if (cut && i == n - kEdge) parts.push_back("...");
    parts.push_back(format_axis(p + i * inner, shape, axis + 1, indent + 1, summarize, f));
  }
  const std::string sep = "," + std::string(shape.size() - axis - 1, '\n') + std::string(indent + 1, ' ');
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? sep : "") + parts[i];
  return out + "]";
}

// "max_pool2d" -> "MaxPool2dBackward": janus' op kind in the style of torch's grad_fn names.
std::string backward_name(const std::string& kind) {
  std::string out;
  bool up = true;
  for (char c : kind) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out + "Backward";
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    body = "[]";
    if (t.dim() != 1) suffixes.push_back(fmt::format("size=({})", fmt::join(t.shape(), ", ")));
  } else {
    const bool summarize = t.numel() > kThreshold;
    std::vector<double> values;
    if (t.dim() == 0)
      values.push_back(t.data()[0]);
    else
      collect(values, t.data(), t.shape(), 0, summarize);
    const Formatter f(values);
    body = t.dim() == 0 ? f.format(t.data()[0]) : format_axis(t.data(), t.shape(), 0, indent, summarize, f);
  }
  if (t.grad_fn())
    suffixes.push_back("grad_fn=<" + backward_name(t.grad_fn()->kind) + ">");
  else if (t.requires_grad())
    suffixes.push_back("requires_grad=True");
  // torch's _add_suffixes: a suffix that would pass the line width goes on its own line.
  std::string out = prefix + body;
  const size_t nl = out.rfind('\n');
  int64_t last_line = static_cast<int64_t>(out.size()) - (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (const std::string& s : suffixes) {
    const int64_t len = static_cast<int64_t>(s.size());
    if (last_line + len + 2 > kLineWidth) {
      out += ",\n" + std::string(indent, ' ') + s;
      last_line = indent + len;
    } else {
      out += ", " + s;
      last_line += len + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace janus
