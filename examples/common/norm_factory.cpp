// make_norm_layer: the normalization kinds of the examples as janus layers (layers/norm.h).
#include "common/bench_cnn.h"

#include <janus/core/error.h>
#include <janus/layers/norm.h>

namespace janus::examples {

namespace {
// nn.Identity, for the "none" variant: keeps the layer indices (and checkpoint names)
// of the normalized variants.
class Identity : public nn::Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};
}  // namespace

std::shared_ptr<nn::Module> make_norm_layer(const std::string& kind, int64_t channels) {
  if (kind == "bn") return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(channels));
  if (kind == "bn1d") return std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(channels));
  if (kind == "pcn") return std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(channels).affine(true));
  if (kind == "in") return std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(channels));
  if (kind == "gn") {
    const int64_t groups = channels % 8 == 0 ? 8 : 1;
    return std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(groups, channels));
  }
  if (kind == "ln") return std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(1, channels));
  if (kind == "none") return std::make_shared<Identity>();
  JANUS_FAIL("unknown normalization '{}' (expected one of: bn, pcn, in, gn, ln, none)", kind);
}

}  // namespace janus::examples
