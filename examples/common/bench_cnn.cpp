// make_bench_cnn: the reference CNN, and copying its shared weights between variants.
#include "common/bench_cnn.h"

#include <janus/core/error.h>
#include <janus/layers/activation.h>
#include <janus/layers/conv.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/pool.h>

#include <map>

namespace janus::examples {

const std::vector<std::string>& norm_kinds() {
  static const std::vector<std::string> kinds = {"bn", "syncbn", "in-affine", "pcn",  "in",  "pc-std",
                                                 "pc-std-unbiased", "gn", "ln", "none"};
  return kinds;
}

std::string canonical_norm_kind(const std::string& kind) {
  check_norm_kind(kind);
  return kind == "pcn" ? "in-affine" : kind;
}

void check_norm_kind(const std::string& kind) {
  for (const auto& k : norm_kinds())
    if (k == kind) return;
  JANUS_FAIL("unknown normalization '{}' (expected one of: {})", kind, fmt::join(norm_kinds(), ", "));
}

std::string norm_description(const std::string& kind) {
  if (kind == "bn") return "batch norm (BatchNorm2d)";
  if (kind == "syncbn") return "synchronized batch norm (SyncBatchNorm)";
  if (kind == "in-affine") return "instance norm, affine (InstanceNorm2d)";
  if (kind == "pcn") return "pcn = instance norm, affine (InstanceNorm2d)";
  if (kind == "in") return "instance norm, no affine (InstanceNorm2d)";
  if (kind == "pc-std") return "(x - mean) / (std + 1e-7) (PerChannelStdNorm)";
  if (kind == "pc-std-unbiased") return "(x - mean) / (unbiased std + 1e-7) (PerChannelStdNorm)";
  if (kind == "gn") return "group norm (8 groups)";
  if (kind == "ln") return "layer norm (GroupNorm, 1 group)";
  if (kind == "none") return "no normalization (conv bias)";
  check_norm_kind(kind);
  return kind;
}

std::shared_ptr<nn::Sequential> make_bench_cnn(const std::string& kind, Generator& gen, int64_t num_classes) {
  check_norm_kind(kind);  // make_norm_layer takes an alias as the kind it stands for
  auto net = std::make_shared<nn::Sequential>();
  auto block = [&](int64_t cin, int64_t cout) {
    net->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions(cin, cout, 3).padding(1).bias(kind == "none").generator(&gen)));
    net->push_back(make_norm_layer(kind, cout));
    net->push_back(std::make_shared<nn::ReLU>());
  };
  block(3, 32);
  block(32, 32);
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  block(32, 64);
  block(64, 64);
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  block(64, 128);
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(2048, num_classes).generator(&gen)));
  return net;
}

void copy_shared_weights(const nn::Module& src, nn::Module& dst) {
  std::map<std::string, Tensor> from;
  for (const auto& [name, t] : src.named_parameters()) from[name] = t;
  // Parameters of conv and linear layers: the children of type Conv2d / Linear.
  for (const auto& [child_name, child] : dst.named_children()) {
    const std::string& type = child->type_name();
    if (type != "Conv2d" && type != "Linear") continue;
    for (const auto& [pname, p] : child->named_parameters()) {
      if (type == "Conv2d" && pname == "bias") continue;  // only the "none" variant has one
      auto it = from.find(child_name + "." + pname);
      JANUS_CHECK(it != from.end() && it->second.shape() == p.shape(),
                  "copy_shared_weights: source has no parameter {}.{} of shape {}", child_name, pname, p.shape());
      Tensor dst_p = p;
      dst_p.copy_(it->second);
    }
  }
}

std::shared_ptr<nn::Sequential> make_bench_cnn_for_seed(const std::string& kind, uint64_t seed,
                                                        int64_t num_classes) {
  Generator master_gen(seed);
  auto master = make_bench_cnn("bn", master_gen, num_classes);
  Generator own_gen(seed + 7919);
  auto net = make_bench_cnn(kind, own_gen, num_classes);
  copy_shared_weights(*master, *net);
  return net;
}

}  // namespace janus::examples
