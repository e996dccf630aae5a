// The benchmark CNN of shared/reference/torch_cifar_bench.py with a chosen normalization:
//   [conv3x3(no bias) -> norm -> relu] x2 -> maxpool2 -> [.. 64 ..] x2 -> maxpool2
//   -> conv 128 -> norm -> relu -> maxpool2 -> flatten -> linear(2048, 10)
// Norm kinds, each named for what it computes (docs/normalization.md has the table):
//   bn               BatchNorm2d
//   in-affine        InstanceNorm2d(C, affine=True), eps 1e-5 inside the root
//   pcn              alias of in-affine: the reference script's "pcn" (torch_cifar_bench.py)
//   in               InstanceNorm2d(C), no affine
//   pc-std           the seeds' (x - mean) / (std + 1e-7), biased std, no affine (PerChannelStdNorm)
//   pc-std-unbiased  the same with the unbiased std of the PyTorch seed's x.std()
//   gn               GroupNorm, 8 groups;  ln  GroupNorm, 1 group (layer norm over (C, H, W))
//   none             identity, and the convolutions get a bias, as in the reference.
#pragma once
#include <janus/core/random.h>
#include <janus/layers/sequential.h>

#include <memory>
#include <string>
#include <vector>

namespace janus::examples {

// Throws janus::Error listing the valid kinds.
void check_norm_kind(const std::string& kind);
const std::vector<std::string>& norm_kinds();
// The kind an alias stands for ("pcn" -> "in-affine"); any other kind as it is.
std::string canonical_norm_kind(const std::string& kind);
// "batch norm (BatchNorm2d)", "pcn = instance norm, affine (InstanceNorm2d)", ...
std::string norm_description(const std::string& kind);

// A normalization layer of `kind` for `channels` channels (nn::Identity-like for "none").
std::shared_ptr<nn::Module> make_norm_layer(const std::string& kind, int64_t channels);

// The benchmark CNN; weights drawn from `gen` with PyTorch's default init. `width`
// multiplies the channel counts (1 = 32/64/128 as the reference). in_channels 3, 32x32.
std::shared_ptr<nn::Sequential> make_bench_cnn(const std::string& kind, Generator& gen, int64_t num_classes = 10);

// Copies the convolution and linear weights (and the linear bias) of `src` into `dst`, so
// that nets differing only in their normalization start from the same weights. Parameters
// named alike with equal shapes are copied; norm-layer affine parameters are left as made.
void copy_shared_weights(const nn::Module& src, nn::Module& dst);

// The benchmark CNN with `kind` and the initial weights every variant gets for `seed`: conv
// and linear weights from one master draw Generator(seed) (copy_shared_weights), the "none"
// variant's conv biases from Generator(seed + 7919). Same seed, same start for every kind.
std::shared_ptr<nn::Sequential> make_bench_cnn_for_seed(const std::string& kind, uint64_t seed,
                                                        int64_t num_classes = 10);

}  // namespace janus::examples
