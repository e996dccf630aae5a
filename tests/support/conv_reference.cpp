#include "conv_reference.h"

#include <janus/core/autograd.h>
#include <janus/core/op.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace janus::testing {

Tensor conv2d_algo(const Tensor& x, const Tensor& w, const Tensor& b, int64_t padding, int64_t algo, int64_t stride) {
  const Attrs attrs = Attrs()
                          .set("stride", stride)
                          .set("padding", padding)
                          .set("dilation", int64_t{1})
                          .set("groups", int64_t{1})
                          .set("algo", algo);
  return b.defined() ? call_op("conv2d", {x, w, b}, attrs) : call_op("conv2d", {x, w}, attrs);
}

ConvGrads conv2d_grads(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& dy, int64_t padding,
                       int64_t algo) {
  Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_();
  Tensor b = b0.defined() ? b0.detach().requires_grad_() : Tensor();
  Tensor y = conv2d_algo(x, w, b, padding, algo);
  y.backward(dy);
  return {y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : Tensor()};
}

ExactConv exact_conv3x3(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy, int64_t pad) {
  const int64_t n = x.size(0), ci = x.size(1), h = x.size(2), wd = x.size(3), co = w.size(0);
  const int64_t oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2;
  ExactConv e;
  e.y.assign(n * co * oh * ow, 0.0), e.y_abs = e.y;
  e.dx.assign(x.numel(), 0.0), e.dx_abs = e.dx;
  e.dw.assign(w.numel(), 0.0), e.dw_abs = e.dw;
  e.db.assign(co, 0.0);
  const float *px = x.data(), *pw = w.data(), *pdy = dy.data();
  const float* pb = b.defined() ? b.data() : nullptr;
  for (int64_t s = 0; s < n; ++s)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t yo = ((s * co + o) * oh + i) * ow + j;
          if (pb) e.y[yo] = pb[o], e.y_abs[yo] = std::fabs(pb[o]);
          e.db[o] += pdy[yo];
          for (int64_t c = 0; c < ci; ++c)
            for (int64_t u = 0; u < 3; ++u)
              for (int64_t v = 0; v < 3; ++v) {
                const int64_t ih = i + u - pad, iw = j + v - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const int64_t xo = ((s * ci + c) * h + ih) * wd + iw, wo = ((o * ci + c) * 3 + u) * 3 + v;
                const double xv = px[xo], wv = pw[wo], dv = pdy[yo];
                e.y[yo] += xv * wv, e.y_abs[yo] += std::fabs(xv * wv);
                e.dx[xo] += dv * wv, e.dx_abs[xo] += std::fabs(dv * wv);
                e.dw[wo] += dv * xv, e.dw_abs[wo] += std::fabs(dv * xv);
              }
        }
  return e;
}

double rel_error(const Tensor& got, const std::vector<double>& exact, const std::vector<double>& abs_sum) {
  double worst = 0.0;
  const float* g = got.data();
  for (size_t i = 0; i < exact.size(); ++i)
    worst = std::max(worst, std::fabs(g[i] - exact[i]) / std::max(abs_sum[i], 1e-30));
  return worst;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

}  // namespace janus::testing
