// The "leaky_relu" op (attr slope): y = x for x > 0, slope * x otherwise; dy/dx = 1 or slope
// (torch's rule at x == 0: slope). The "dropout2d" op (attr p, mode dependent): in training
// zeroes whole (n, c) planes with probability p and scales the rest by 1 / (1 - p).
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/nn.h>
#include <janus/core/random.h>

namespace janus {

namespace {

Tensor leaky_relu_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "leaky_relu: expected one defined input");
  const Tensor& x = in[0];
  const float slope = static_cast<float>(attrs.get_float("slope"));
  Tensor out = empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  for (int64_t i = 0; i < x.numel(); ++i) po[i] = px[i] > 0.0f ? px[i] : px[i] * slope;
  const Tensor xd = x.detach();
  record(out, "leaky_relu", in, [xd, slope](const Tensor& g, const std::vector<bool>&) {
    Tensor gx = empty(g.shape());
    const float *pg = g.data(), *pxd = xd.data();
    float* pgx = gx.data();
    for (int64_t i = 0; i < g.numel(); ++i) pgx[i] = pxd[i] > 0.0f ? pg[i] : pg[i] * slope;
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(leaky_relu, {"leaky_relu", leaky_relu_forward});

// One mask value per (n, c) plane of x (N, C, *): 0 with probability p, else 1 / (1 - p).
Tensor dropout2d_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext& ctx) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "dropout2d: expected one defined input");
  const Tensor& x = in[0];
  JANUS_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d: expected 3-D (C, H, W) or 4-D (N, C, H, W) input (got {})",
              shape_str(x.shape()));
  const double p = attrs.get_float("p");
  JANUS_CHECK(p >= 0.0 && p <= 1.0, "dropout2d: expected a probability p in [0, 1] (got {})", p);
  const bool on = ctx.training && p > 0.0;
  const int64_t planes = on ? (x.dim() == 4 ? x.size(0) * x.size(1) : x.size(0)) : 1;
  const int64_t plane = on ? x.numel() / std::max<int64_t>(planes, 1) : 0;
  std::vector<float> mask(planes, 1.0f);
  if (on) {
    const float scale = p >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - p));
    Generator& gen = ctx.generator ? *ctx.generator : default_generator();
    const uint64_t threshold = static_cast<uint64_t>(p * 4294967296.0);
    for (float& m : mask) m = gen.next_u32() < threshold ? 0.0f : scale;
  }
  Tensor out = empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  if (!on) {
    std::copy(px, px + x.numel(), po);
  } else {
    for (int64_t q = 0; q < planes; ++q)
      for (int64_t i = q * plane; i < (q + 1) * plane; ++i) po[i] = px[i] * mask[q];
  }
  record(out, "dropout2d", in, [mask, plane, on](const Tensor& g, const std::vector<bool>&) {
    // y = x * mask[plane]  =>  dx = g * mask[plane]
    if (!on) return std::vector<Tensor>{g};
    Tensor gx = empty(g.shape());
    for (size_t q = 0; q < mask.size(); ++q)
      for (int64_t i = static_cast<int64_t>(q) * plane; i < static_cast<int64_t>(q + 1) * plane; ++i)
        gx.data()[i] = g.data()[i] * mask[q];
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(dropout2d, {"dropout2d", dropout2d_forward, /*mode_dependent=*/true});

}  // namespace

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return call_op("leaky_relu", {x}, Attrs().set("slope", static_cast<double>(negative_slope)));
}

Tensor dropout2d(const Tensor& x, float p, bool training, Generator* gen) {
  RunContext ctx;
  ctx.training = training;
  ctx.generator = gen;
  return call_op("dropout2d", {x}, Attrs().set("p", static_cast<double>(p)), ctx);
}

}  // namespace janus
