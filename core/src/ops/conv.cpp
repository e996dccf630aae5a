// The "conv2d" op: checks shapes, runs the im2col + SGEMM kernels of conv_kernels.cpp and
// records backward. Attributes: stride, padding, dilation (an int, or [h, w] when the two
// differ), groups (int), and optionally algo (0 automatic, 1 im2col, 2 Winograd F(2x2,3x3),
// 3 Winograd F(4x4,3x3), 4 direct (1-4 input channels) where eligible; tests and benchmarks
// force one).
//
// Backward, with y = w * cols(x) + b per group (cols = im2col):
//   db = sum of dy over (n, oh, ow)
//   dw = dy x cols(x)^T                (the same column matrix the forward used)
//   dx = col2im(w^T x dy)              (col2im adds each column back to the pixel it came from)
#include "conv_kernels.h"

#include <janus/core/autograd.h>
#include <janus/core/deterministic.h>
#include <janus/core/op.h>
#include <janus/core/ops/conv.h>
#include <janus/core/parallel.h>

#include <vector>

#include <algorithm>

namespace janus {

namespace {

// Deterministic mode (core/deterministic.h): every image runs alone (im2col, one image per
// call, single-threaded GEMMs), so its output and gradient terms have the same bits whatever
// the batch it came in; dw and db are the tree sums of the per-image terms.
detail::ConvGeometry one_image(detail::ConvGeometry g) {
  g.n = 1;
  g.algo = detail::ConvAlgo::im2col;
  g.chunk_columns = 0;
  return g;
}

void deterministic_forward(float* y, const float* x, const float* w, const float* b, const detail::ConvGeometry& g) {
  const detail::ConvGeometry g1 = one_image(g);
  const int64_t xs = g.c_in * g.h * g.w, ys = g.c_out * g.out_h() * g.out_w();
  for (int64_t n = 0; n < g.n; ++n) detail::conv2d_forward(y + n * ys, x + n * xs, w, b, g1);
}

void deterministic_backward(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w,
                            const detail::ConvGeometry& g) {
  const detail::ConvGeometry g1 = one_image(g);
  const int64_t xs = g.c_in * g.h * g.w, ys = g.c_out * g.out_h() * g.out_w();
  const int64_t wn = g.c_out * g.group_k();
  std::vector<float> dw_parts(dw ? static_cast<size_t>(g.n * wn) : 0, 0.0f);
  std::vector<float> db_parts(db ? static_cast<size_t>(g.n * g.c_out) : 0, 0.0f);
  for (int64_t n = 0; n < g.n; ++n)
    detail::conv2d_backward(dx ? dx + n * xs : nullptr, dw ? dw_parts.data() + n * wn : nullptr,
                            db ? db_parts.data() + n * g.c_out : nullptr, dy + n * ys, x + n * xs, w, g1);
  if (dw) tree_sum(dw_parts.data(), g.n, wn, wn, 1, dw);  // dw, db are zeros: overwriting = adding
  if (db) tree_sum(db_parts.data(), g.n, g.c_out, g.c_out, 1, db);
}

detail::ConvGeometry check_conv2d(const Tensor& x, const Tensor& w, const Tensor& b,
                                  const Attrs& attrs) {
  JANUS_CHECK(x.defined() && w.defined(), "conv2d: expected defined input and weight");
  JANUS_CHECK(x.dim() == 4, "conv2d: expected 4-D input (N, C, H, W) (got {}-D input {})", x.dim(),
              shape_str(x.shape()));
  JANUS_CHECK(w.dim() == 4, "conv2d: expected 4-D weight (C_out, C_in/groups, kh, kw) (got {}-D weight {})",
              w.dim(), shape_str(w.shape()));
  detail::ConvGeometry g;
  g.n = x.size(0), g.c_in = x.size(1), g.h = x.size(2), g.w = x.size(3);
  g.c_out = w.size(0), g.kh = w.size(2), g.kw = w.size(3);
  const Size2 stride = attrs.get_size2("stride", 1), padding = attrs.get_size2("padding", 0),
              dilation = attrs.get_size2("dilation", 1);
  g.stride_h = stride.h, g.stride_w = stride.w;
  g.pad_h = padding.h, g.pad_w = padding.w;
  g.dil_h = dilation.h, g.dil_w = dilation.w;
  g.groups = attrs.get_int("groups", 1);
  const int64_t algo = attrs.get_int("algo", 0);
  JANUS_CHECK(algo >= 0 && algo <= 4,
              "conv2d: expected algo 0 (automatic), 1 (im2col), 2 (winograd F(2x2,3x3)), 3 (winograd F(4x4,3x3)) "
              "or 4 (direct, 1-4 input channels) (got {})",
              algo);
  g.algo = static_cast<detail::ConvAlgo>(algo);
  JANUS_CHECK(std::min(g.stride_h, g.stride_w) >= 1 && std::min(g.dil_h, g.dil_w) >= 1 &&
                  std::min(g.pad_h, g.pad_w) >= 0 && g.groups >= 1,
              "conv2d: expected stride >= 1, dilation >= 1, padding >= 0, groups >= 1 (got stride={}, "
              "padding={}, dilation={}, groups={})",
              stride.tuple_str(), padding.tuple_str(), dilation.tuple_str(), g.groups);
  JANUS_CHECK(g.c_in % g.groups == 0 && g.c_out % g.groups == 0,
              "conv2d: groups={} must divide both input channels ({}) and output channels ({}) "
              "(input {}, weight {})",
              g.groups, g.c_in, g.c_out, shape_str(x.shape()), shape_str(w.shape()));
  JANUS_CHECK(w.size(1) * g.groups == g.c_in,
              "conv2d: input has {} channels but weight expects {} (input {}, weight {}){}", g.c_in,
              w.size(1) * g.groups, shape_str(x.shape()), shape_str(w.shape()),
              g.groups > 1 ? fmt::format(" with groups={}", g.groups) : std::string());
  JANUS_CHECK(g.kh >= 1 && g.kw >= 1, "conv2d: expected a non-empty kernel (got weight {})",
              shape_str(w.shape()));
  if (b.defined()) {
    JANUS_CHECK(b.dim() == 1 && b.size(0) == g.c_out,
                "conv2d: expected bias of shape [{}] (got {})", g.c_out, shape_str(b.shape()));
  }
  JANUS_CHECK(g.h + 2 * g.pad_h >= g.dil_h * (g.kh - 1) + 1 && g.w + 2 * g.pad_w >= g.dil_w * (g.kw - 1) + 1,
              "conv2d: input {} with padding {} is smaller than the dilated kernel {}x{} "
              "(weight {}, dilation {}): output size would be empty",
              shape_str(x.shape()), padding.str(), g.dil_h * (g.kh - 1) + 1, g.dil_w * (g.kw - 1) + 1,
              shape_str(w.shape()), dilation.str());
  return g;
}

Tensor conv2d_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 2 || in.size() == 3, "conv2d: expected inputs (x, weight[, bias]) (got {})",
              in.size());
  const Tensor& x = in[0];
  const Tensor& w = in[1];
  const Tensor b = in.size() == 3 ? in[2] : Tensor();
  const detail::ConvGeometry g = check_conv2d(x, w, b, attrs);
  Tensor y = empty({g.n, g.c_out, g.out_h(), g.out_w()});
  if (deterministic()) deterministic_forward(y.data(), x.data(), w.data(), b.defined() ? b.data() : nullptr, g);
  else detail::conv2d_forward(y.data(), x.data(), w.data(), b.defined() ? b.data() : nullptr, g);
  const Tensor xd = x.detach(), wd = w.detach();
  const size_t n_inputs = in.size();
  record(y, "conv2d", in, [xd, wd, g, n_inputs](const Tensor& dy, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(n_inputs);
    const bool want_db = n_inputs == 3 && needs[2];
    if (needs[0]) grads[0] = empty(xd.shape());  // the kernels write every element of dx
    if (needs[1]) grads[1] = zeros(wd.shape());
    if (want_db) grads[2] = zeros({g.c_out});
    (deterministic() ? deterministic_backward : detail::conv2d_backward)(
        needs[0] ? grads[0].data() : nullptr, needs[1] ? grads[1].data() : nullptr,
        want_db ? grads[2].data() : nullptr, dy.data(), xd.data(), wd.data(), g);
    return grads;
  });
  return y;
}
JANUS_REGISTER_OP(conv2d, {"conv2d", conv2d_forward});

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& options) {
  return call_op("conv2d", {x, weight, bias},
                 Attrs()
                     .set_size2("stride", options.stride_)
                     .set_size2("padding", options.padding_)
                     .set_size2("dilation", options.dilation_)
                     .set("groups", options.groups_));
}

}  // namespace janus
