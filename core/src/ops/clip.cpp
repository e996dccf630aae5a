// clip (NumPy's clip, torch's clamp): each element limited to [min, max]. Keras 3 clips
// probabilities to [1e-7, 1 - 1e-7] before a log; its backward passes the gradient where
// min <= x <= max and gives 0 outside, as TensorFlow's clip_by_value does. NaN stays NaN.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/parallel.h>

namespace janus {

namespace {

constexpr int64_t kGrain = 1 << 15;

Tensor clip_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "clip: expected one defined input");
  const float lo = static_cast<float>(attrs.get_float("min")), hi = static_cast<float>(attrs.get_float("max"));
  JANUS_CHECK(lo <= hi, "clip: min must be <= max (got min={}, max={})", lo, hi);
  const Tensor& x = in[0];
  Tensor out = empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) po[i] = px[i] < lo ? lo : (px[i] > hi ? hi : px[i]);
  });
  const Tensor xd = x.detach();
  // dx = dy where min <= x <= max, else 0.
  record(out, "clip", in, [xd, lo, hi](const Tensor& g, const std::vector<bool>&) {
    Tensor gx = empty(g.shape());
    const float *pg = g.data(), *pxd = xd.data();
    float* pgx = gx.data();
    parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) pgx[i] = (pxd[i] < lo || pxd[i] > hi) ? 0.0f : pg[i];
    });
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(clip, {"clip", clip_forward});

}  // namespace

Tensor clip(const Tensor& x, float min, float max) {
  return call_op("clip", {x}, Attrs().set("min", min).set("max", max));
}

}  // namespace janus
