// nn::Sequential and nn::ModuleList. Sequential checks at add() time that a Conv2d's input
// channels or a Linear's input features match the last layer that fixed them, looking
// back past layers that keep the channel/feature axis (activations, pooling, dropout).
#include <janus/layers/sequential.h>

#include <janus/layers/activation.h>
#include <janus/layers/conv.h>
#include <janus/layers/dropout.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>
#include <janus/layers/pool.h>

#include <typeinfo>

namespace janus::nn {

namespace {

bool keeps_channels(const Module& m) {
  return dynamic_cast<const ReLU*>(&m) || dynamic_cast<const Sigmoid*>(&m) || dynamic_cast<const Tanh*>(&m) ||
         dynamic_cast<const Dropout*>(&m) || dynamic_cast<const MaxPool2d*>(&m) ||
         dynamic_cast<const AvgPool2d*>(&m) || dynamic_cast<const AdaptiveAvgPool2d*>(&m);
}

}  // namespace

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (const auto& m : modules) append(m);
}

void Sequential::append(const std::shared_ptr<Module>& module) {
  JANUS_CHECK(module != nullptr, "Sequential: cannot add a null module at position {}", size());
  const size_t index = size();
  const auto* conv = dynamic_cast<const Conv2d*>(module.get());
  const auto* fc = dynamic_cast<const Linear*>(module.get());
  if (conv || fc) {
    for (size_t i = index; i-- > 0;) {
      const Module& prev = *named_children()[i].second;
      if (const auto* pc = dynamic_cast<const Conv2d*>(&prev)) {
        if (conv)
          JANUS_CHECK(pc->options().out_channels_ == conv->options().in_channels_,
                      "Sequential: layer {} ({}) expects {} input channels but layer {} ({}) produces {}", index,
                      conv->repr(), conv->options().in_channels_, i, pc->repr(), pc->options().out_channels_);
        break;
      }
      if (const auto* pl = dynamic_cast<const Linear*>(&prev)) {
        if (fc)
          JANUS_CHECK(pl->options().out_features_ == fc->options().in_features_,
                      "Sequential: layer {} ({}) expects {} input features but layer {} ({}) produces {}", index,
                      fc->repr(), fc->options().in_features_, i, pl->repr(), pl->options().out_features_);
        break;
      }
      if (!keeps_channels(prev)) break;
    }
  }
  register_module(std::to_string(index), module);
}

namespace {
// Fusing calls forward_relu() instead of the two children's forward(), so it is done only for
// janus' own norm classes and nn::ReLU themselves: a user's subclass may override forward()
// (to log, to change the activation), and PyTorch's Sequential always calls every forward.
bool is_library_norm(const Module& m) {
  const std::type_info& t = typeid(m);
  return t == typeid(BatchNorm) || t == typeid(BatchNorm1d) || t == typeid(BatchNorm2d) ||
         t == typeid(SyncBatchNorm) || t == typeid(PerChannelStdNorm) || t == typeid(InstanceNorm2d) ||
         t == typeid(GroupNorm) || t == typeid(LayerNorm);
}
}  // namespace

// A normalization layer followed by a ReLU runs as one fused op (FusesRelu), as in the
// compiled graph (fuse_norm_relu), so eager training gets the same speed and the same bits.
Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  const auto& children = named_children();
  for (size_t i = 0; i < children.size(); ++i) {
    Module& m = *children[i].second;
    auto* fusable = is_library_norm(m) ? dynamic_cast<FusesRelu*>(&m) : nullptr;
    const Module* next = i + 1 < children.size() ? children[i + 1].second.get() : nullptr;
    if (fusable && next && typeid(*next) == typeid(ReLU)) {
      h = fusable->forward_relu(h);
      ++i;
      continue;
    }
    h = m.forward(h);
  }
  return h;
}

std::shared_ptr<Module> Sequential::operator[](size_t index) const {
  JANUS_CHECK(index < size(), "Sequential: index {} out of range (size {})", index, size());
  return named_children()[index].second;
}

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) : Module("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

ModuleDict::ModuleDict(std::initializer_list<std::pair<std::string, std::shared_ptr<Module>>> modules)
    : Module("ModuleDict") {
  for (const auto& [key, m] : modules) insert(key, m);
}

std::shared_ptr<Module> ModuleDict::operator[](const std::string& key) const {
  JANUS_CHECK(contains(key), "ModuleDict: no module named '{}' (keys: {})", key, fmt::join(keys(), ", "));
  return child(key);
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& kv : named_children())
    if (kv.first == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : named_children()) out.push_back(kv.first);
  return out;
}

std::shared_ptr<Module> ModuleList::operator[](size_t index) const {
  JANUS_CHECK(index < size(), "ModuleList: index {} out of range (size {})", index, size());
  return named_children()[index].second;
}

}  // namespace janus::nn
