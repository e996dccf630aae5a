// The autograd tape. An op run on tensors that require gradients attaches a Node to its
// output: the op's kind, the inputs to differentiate into, and a backward closure built
// right next to the forward (see any file in core/src/ops/). Tensor::backward() walks the
// nodes in reverse topological order, iteratively and deterministically, and adds each
// gradient into the leaves' .grad. NoGradGuard switches recording off for a scope; it is
// unrelated to a module's train/eval mode.
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace janus {

// Computes the gradients of a node's inputs from the gradient of its output. `needs[i]`
// says whether input i wants a gradient; return an undefined Tensor where it does not.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad_output, const std::vector<bool>& needs)>;

struct Node {
  Node() = default;
  // Releases a long chain of nodes iteratively: the default destructor would recurse once
  // per node (Node -> input TensorImpl -> its Node ...) and overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  std::string kind;  // the op's kind name, e.g. "conv2d"
  // The inputs, in the op's order; null where an input does not require a gradient.
  std::vector<std::shared_ptr<TensorImpl>> inputs;
  std::vector<bool> needs;
  BackwardFn backward;  // reset after a backward pass without retain_graph
  uint64_t sequence = 0;  // creation order, for a deterministic walk
  bool released = false;
};

// Thread-local switch for recording.
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Disables recording for its lifetime (torch.no_grad()).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when grad mode is on and at least one defined input requires a gradient.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Attaches `backward` to `output` when any_requires_grad(inputs). Ops call this right
// after computing their forward; `kind` names the op in error messages and dumps.
void record(Tensor& output, const char* kind, const std::vector<Tensor>& inputs,
            BackwardFn backward);

// True when nobody else holds this tensor's handle or its storage. The engine hands a
// backward an exclusive incoming gradient where it can, and a backward may then write its
// result into that buffer instead of allocating (relu, normalize).
bool is_exclusive(const Tensor& t);

// Sums `grad` over broadcast axes so that it has `shape` (the reverse of broadcasting).
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);

// Gradients of `output` with respect to `inputs` without touching .grad (torch.autograd.grad).
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output = Tensor(), bool retain_graph = false);

}  // namespace janus
