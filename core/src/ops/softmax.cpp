// softmax and log_softmax over any axis, numerically stable (the row maximum is subtracted
// before exp). A tensor is seen as (outer, C, inner) with C the softmax axis; the raw
// kernels softmax_rows_forward/backward work on that view and know nothing of autograd.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/nn.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <cmath>

namespace janus {

namespace {

struct AxisView {
  int64_t outer = 1, c = 1, inner = 1;
};

AxisView axis_view(const Shape& s, int64_t axis) {
  AxisView v;
  for (int64_t i = 0; i < static_cast<int64_t>(s.size()); ++i) {
    if (i < axis) v.outer *= s[i];
    else if (i == axis) v.c = s[i];
    else v.inner *= s[i];
  }
  return v;
}

// y (outer, C, inner) = softmax or log_softmax of x over C.
void softmax_rows_forward(float* y, const float* x, const AxisView& v, bool log) {
  parallel_for(0, v.outer * v.inner, std::max<int64_t>(1, 4096 / std::max<int64_t>(v.c, 1)),
               [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / v.inner, i = r % v.inner;
      const float* px = x + o * v.c * v.inner + i;
      float* py = y + o * v.c * v.inner + i;
      float mx = -INFINITY;
      for (int64_t j = 0; j < v.c; ++j) mx = std::max(mx, px[j * v.inner]);
      double sum = 0.0;
      for (int64_t j = 0; j < v.c; ++j) sum += std::exp(static_cast<double>(px[j * v.inner] - mx));
      if (log) {
        // (x - max) first: exact for nearby values, so large logits keep their digits.
        const double log_sum = std::log(sum);
        for (int64_t j = 0; j < v.c; ++j)
          py[j * v.inner] = static_cast<float>(static_cast<double>(px[j * v.inner] - mx) - log_sum);
      } else {
        const double inv = 1.0 / sum;
        for (int64_t j = 0; j < v.c; ++j)
          py[j * v.inner] = static_cast<float>(std::exp(static_cast<double>(px[j * v.inner] - mx)) * inv);
      }
    }
  });
}

// gx += from gy and the forward output y.
//   softmax:      dx_j = y_j (g_j - sum_k g_k y_k)
//   log_softmax:  y_j = x_j - lse, d lse / d x_k = softmax_k = exp(y_k), so
//                 dx_j = g_j - exp(y_j) sum_k g_k
void softmax_rows_backward(float* gx, const float* gy, const float* y, const AxisView& v, bool log) {
  parallel_for(0, v.outer * v.inner, std::max<int64_t>(1, 4096 / std::max<int64_t>(v.c, 1)),
               [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t base = (r / v.inner) * v.c * v.inner + r % v.inner;
      const float* pg = gy + base;
      const float* py = y + base;
      float* po = gx + base;
      double dot = 0.0;
      for (int64_t j = 0; j < v.c; ++j)
        dot += log ? pg[j * v.inner] : static_cast<double>(pg[j * v.inner]) * py[j * v.inner];
      const float s = static_cast<float>(dot);
      for (int64_t j = 0; j < v.c; ++j) {
        const int64_t k = j * v.inner;
        po[k] += log ? pg[k] - std::exp(py[k]) * s : py[k] * (pg[k] - s);
      }
    }
  });
}

Tensor softmax_common(const std::vector<Tensor>& in, const Attrs& attrs, bool log) {
  const char* kind = log ? "log_softmax" : "softmax";
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "{}: expected one defined input", kind);
  const Tensor& x = in[0];
  JANUS_CHECK(x.dim() >= 1, "{}: expected at least a 1-D input (got a 0-D tensor)", kind);
  const int64_t axis = normalize_axis(attrs.get_int("axis", -1), x.dim(), kind);
  const AxisView v = axis_view(x.shape(), axis);
  Tensor out = empty(x.shape());
  softmax_rows_forward(out.data(), x.data(), v, log);
  const Tensor yd = out.detach();
  record(out, kind, in, [yd, v, log](const Tensor& g, const std::vector<bool>&) {
    Tensor gx = zeros(yd.shape());
    softmax_rows_backward(gx.data(), g.data(), yd.data(), v, log);
    return std::vector<Tensor>{gx};
  });
  return out;
}

Tensor softmax_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  return softmax_common(in, attrs, false);
}
JANUS_REGISTER_OP(softmax, {"softmax", softmax_forward});

Tensor log_softmax_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  return softmax_common(in, attrs, true);
}
JANUS_REGISTER_OP(log_softmax, {"log_softmax", log_softmax_forward});

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis) { return call_op("softmax", {x}, Attrs().set("axis", axis)); }

Tensor log_softmax(const Tensor& x, int64_t axis) {
  return call_op("log_softmax", {x}, Attrs().set("axis", axis));
}

}  // namespace janus
