// make_keras_bench_cnn: the reference CNN through the Keras frontend's layers.
#include "common/keras_bench_cnn.h"

#include "common/bench_cnn.h"

#include <janus/core/error.h>

namespace janus::examples {

namespace {
// PyTorch's epsilon (1e-5) everywhere, so that both frontends train the same function.
// The seeds' formula keeps its own epsilon (1e-7, added to the std).
keras::LayerRef keras_norm_layer(const std::string& name) {
  namespace kl = keras::layers;
  const std::string kind = canonical_norm_kind(name);
  if (kind == "bn") return kl::BatchNormalization().momentum(0.9).epsilon(1e-5);
  if (kind == "syncbn") return kl::BatchNormalization().momentum(0.9).epsilon(1e-5).synchronized(true);
  if (kind == "in-affine") return kl::InstanceNormalization().epsilon(1e-5);
  if (kind == "in") return kl::InstanceNormalization().center(false).scale(false).epsilon(1e-5);
  if (kind == "pc-std") return kl::PerChannelStdNormalization();
  if (kind == "pc-std-unbiased") return kl::PerChannelStdNormalization().unbiased(true);
  if (kind == "gn") return kl::GroupNormalization(8).epsilon(1e-5);
  if (kind == "ln") return kl::GroupNormalization(1).epsilon(1e-5);
  JANUS_FAIL("make_keras_bench_cnn: no Keras layer for normalization '{}'", kind);
}
}  // namespace

keras::Sequential make_keras_bench_cnn(const std::string& kind, int64_t num_classes) {
  check_norm_kind(kind);
  namespace kl = keras::layers;
  keras::Sequential model("bench_cnn");
  model.add(kl::Input({32, 32, 3}));
  auto block = [&](int64_t filters) {
    model.add(kl::Conv2D(filters, 3).padding("same").use_bias(kind == "none"));
    if (kind != "none") model.add(keras_norm_layer(kind));
    model.add(kl::ReLU());
  };
  block(32);
  block(32);
  model.add(kl::MaxPooling2D(2));
  block(64);
  block(64);
  model.add(kl::MaxPooling2D(2));
  block(128);
  model.add(kl::MaxPooling2D(2));
  model.add(kl::Flatten());
  model.add(kl::Dense(num_classes));
  return model;
}

}  // namespace janus::examples
