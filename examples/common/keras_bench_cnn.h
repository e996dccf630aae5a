// The benchmark CNN of shared/reference/torch_cifar_bench.py as a keras::Sequential
// (channels-last input (32, 32, 3)), with the normalization kinds of bench_cnn.h mapped to
// Keras layers: bn BatchNormalization, in-affine (alias pcn) InstanceNormalization (Keras'
// GroupNormalization(groups=-1), center/scale), in the same without center/scale, pc-std
// PerChannelStdNormalization (the seeds' formula), gn GroupNormalization 8 groups, ln 1 group,
// none = no layer and conv biases. BatchNormalization and the instance norms get PyTorch's
// momentum/epsilon (Keras 0.9 / 1e-5) so the net is the one the torch frontend trains;
// Keras' own defaults are 0.99 / 1e-3.
#pragma once
#include <janus/keras/keras.h>

#include <string>

namespace janus::examples {

keras::Sequential make_keras_bench_cnn(const std::string& kind, int64_t num_classes = 10);

}  // namespace janus::examples
