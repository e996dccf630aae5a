// Inverted dropout. In training each element is kept with probability 1 - p and scaled by
// 1/(1-p), so that eval mode is the identity with no rescaling. The mask (0 or 1/(1-p) per
// element) is drawn from RunContext::generator (the default generator if none) and saved
// for backward, which multiplies the gradient by the same mask.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/nn.h>
#include <janus/core/random.h>

namespace janus {

namespace {

// mask (numel) = 0 with probability p, else scale; one 32-bit draw per element.
void dropout_mask(float* mask, int64_t n, float p, float scale, Generator& gen) {
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(p) * 4294967296.0);
  for (int64_t i = 0; i < n; ++i) mask[i] = gen.next_u32() < threshold ? 0.0f : scale;
}

// A new handle on x's storage: the identity without a copy, recorded as `dropout`.
Tensor alias_of(const Tensor& x) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset;
  impl->shape = x.shape();
  return Tensor(impl);
}

Tensor dropout_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext& ctx) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "dropout: expected one defined input");
  const Tensor& x = in[0];
  const double p = attrs.get_float("p");
  JANUS_CHECK(p >= 0.0 && p <= 1.0, "dropout: expected a probability p in [0, 1] (got {})", p);
  if (!ctx.training || p == 0.0) {
    Tensor out = alias_of(x);
    record(out, "dropout", in, [](const Tensor& g, const std::vector<bool>&) { return std::vector<Tensor>{g}; });
    return out;
  }
  const float scale = p >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - p));
  Tensor mask = empty(x.shape());  // same shape as x
  Generator& gen = ctx.generator ? *ctx.generator : default_generator();
  dropout_mask(mask.data(), mask.numel(), static_cast<float>(p), scale, gen);
  Tensor out = empty(x.shape());
  const float* px = x.data();
  const float* pm = mask.data();
  float* po = out.data();
  for (int64_t i = 0; i < x.numel(); ++i) po[i] = px[i] * pm[i];
  record(out, "dropout", in, [mask](const Tensor& g, const std::vector<bool>&) {
    // y = x * mask  =>  dx = g * mask
    Tensor gx = empty(g.shape());
    const float* pg = g.data();
    const float* pmask = mask.data();
    float* pgx = gx.data();
    for (int64_t i = 0; i < g.numel(); ++i) pgx[i] = pg[i] * pmask[i];
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(dropout, {"dropout", dropout_forward, /*mode_dependent=*/true});

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, Generator* gen) {
  RunContext ctx;
  ctx.training = training;
  ctx.generator = gen;
  return call_op("dropout", {x}, Attrs().set("p", static_cast<double>(p)), ctx);
}

}  // namespace janus
