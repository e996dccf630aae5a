// Containers. nn::Sequential runs its children in order; they are named "0", "1", ... as
// in torch.nn.Sequential, so checkpoints carry names like "3.weight". Adding a layer
// checks, where the shapes are known, that it fits the previous one (Conv2d channels,
// Linear features). nn::ModuleList only holds modules (it has no forward).
//
//   auto net = std::make_shared<nn::Sequential>();
//   net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3).padding(1)));
//   net->push_back(std::make_shared<nn::ReLU>());
//   Tensor y = (*net)(x);
#pragma once

#include <janus/layers/module.h>

#include <cstddef>
#include <initializer_list>
#include <memory>

namespace janus::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);

  // Appends under the next number; returns the module with its own type.
  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    append(module);
    return module;
  }
  template <typename M>
  std::shared_ptr<M> add(std::shared_ptr<M> module) {
    return push_back(std::move(module));
  }

  Tensor forward(const Tensor& x) override;
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  std::shared_ptr<Module> operator[](size_t index) const;

 private:
  void append(const std::shared_ptr<Module>& module);
};

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);

  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    register_module(std::to_string(size()), module);
    return module;
  }
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  std::shared_ptr<Module> operator[](size_t index) const;
};

// torch.nn.ModuleDict: children registered under string keys, kept in insertion order (so
// parameter names are "<key>.weight"); like ModuleList it has no forward of its own.
//
//   nn::ModuleDict heads({{"cls", std::make_shared<nn::Linear>(64, 10)}});
//   Tensor y = (*heads["cls"])(x);
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  ModuleDict(std::initializer_list<std::pair<std::string, std::shared_ptr<Module>>> modules);
  // Adds a module under a new key (keys follow Module's naming rules).
  template <typename M>
  std::shared_ptr<M> insert(const std::string& key, std::shared_ptr<M> module) {
    register_module(key, module);
    return module;
  }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  bool contains(const std::string& key) const;
  std::vector<std::string> keys() const;
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
};

}  // namespace janus::nn
