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

std::shared_ptr<nn::Module> make_norm_layer(const std::string& name, int64_t channels) {
  if (name == "bn1d") return std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(channels));
  const std::string kind = canonical_norm_kind(name);  // throws for an unknown name
  if (kind == "bn") return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(channels));
  if (kind == "syncbn") return std::make_shared<nn::SyncBatchNorm>(nn::BatchNormOptions(channels));
  if (kind == "in-affine") return std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(channels).affine(true));
  if (kind == "in") return std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(channels));
  if (kind == "pc-std") return std::make_shared<nn::PerChannelStdNorm>();
  if (kind == "pc-std-unbiased") return std::make_shared<nn::PerChannelStdNorm>(nn::PerChannelStdNormOptions().unbiased(true));
  if (kind == "gn") {
    const int64_t groups = channels % 8 == 0 ? 8 : 1;
    return std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(groups, channels));
  }
  if (kind == "ln") return std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(1, channels));
  if (kind == "none") return std::make_shared<Identity>();
  JANUS_FAIL("make_norm_layer: no layer for normalization '{}'", name);
}

}  // namespace janus::examples
