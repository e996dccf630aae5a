// The autograd engine: recording nodes on the tape and walking them backward.
//
// Order: every node gets a sequence number when it is recorded, and a node's inputs are
// always recorded before it, so visiting the reachable nodes by decreasing sequence is a
// reverse topological order -- deterministic and free of recursion.
#include <janus/core/autograd.h>

#include <algorithm>
#include <atomic>
#include <unordered_map>
#include <unordered_set>

namespace janus {

namespace {
thread_local bool grad_mode_enabled = true;
std::atomic<uint64_t> next_sequence{1};

// How a gradient may be taken into an empty slot: copied, adopted when nobody else holds it,
// or shared as it is (the root's gradient on its way to the root's node: the caller still
// holds it, so no backward sees it exclusive and writes into it, and no copy is made; a
// backward(gradient) call on an 8 MiB activation copied it every time).
enum class Take { copy, adopt_if_exclusive, share };

// Adds `g` into `slot`. A fresh tensor nobody else holds is adopted; otherwise a new sum is
// made, so a gradient buffer is never shared with a tensor the user can see. A node's
// pending slot (`pending_slot`) that is shared is summed into a new tensor, not in place.
void accumulate(std::shared_ptr<TensorImpl>& slot, const Tensor& g, Take take, bool pending_slot = false) {
  if (!slot) {
    if (take == Take::share || (take == Take::adopt_if_exclusive && is_exclusive(g))) {
      slot = g.impl_ptr();
    } else {
      slot = g.clone().impl_ptr();
    }
    return;
  }
  JANUS_CHECK(slot->shape == g.shape(), "backward: gradient of shape {} cannot be added to one of shape {}",
              shape_str(g.shape()), shape_str(slot->shape));
  if (pending_slot && (slot.use_count() != 1 || slot->storage.use_count() != 1))
    slot = Tensor(slot).clone().impl_ptr();
  float* dst = slot->storage->data + slot->offset;
  const float* src = g.data();
  const int64_t n = g.numel();
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

bool wants_grad(const Tensor& t) { return t.defined() && (t.requires_grad() || t.grad_fn()); }

// Runs backward from `root` with `root_grad`. Leaf gradients go into .grad, unless
// `captured` is given: then only the gradients of the tensors in it are collected.
void run_backward(const Tensor& root, const Tensor& root_grad, bool retain_graph,
                  std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>>* captured) {
  // is_root: g is the caller's root gradient (shared with the root's node, copied elsewhere).
  auto deliver = [&](const std::shared_ptr<TensorImpl>& impl, const Tensor& g, bool is_root,
                     std::unordered_map<Node*, std::shared_ptr<TensorImpl>>& pending) {
    if (captured) {
      auto it = captured->find(impl.get());
      if (it != captured->end()) accumulate(it->second, g, Take::copy);
    }
    if (impl->grad_fn) {
      accumulate(pending[impl->grad_fn.get()], g, is_root ? Take::share : Take::adopt_if_exclusive, true);
    } else if (!captured && impl->requires_grad) {
      accumulate(impl->grad, g, is_root ? Take::copy : Take::adopt_if_exclusive);
    }
  };

  NoGradGuard no_grad;  // backward itself is not recorded (no higher-order gradients)
  std::unordered_map<Node*, std::shared_ptr<TensorImpl>> pending;
  deliver(root.impl_ptr(), root_grad, true, pending);
  if (!root.grad_fn()) return;

  // Collect the reachable nodes.
  std::vector<Node*> nodes;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack{root.grad_fn().get()};
  seen.insert(stack.back());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    nodes.push_back(n);
    for (const auto& in : n->inputs) {
      if (in && in->grad_fn && seen.insert(in->grad_fn.get()).second) stack.push_back(in->grad_fn.get());
    }
  }
  std::sort(nodes.begin(), nodes.end(), [](Node* a, Node* b) { return a->sequence > b->sequence; });

  for (Node* n : nodes) {
    auto it = pending.find(n);
    if (it == pending.end()) continue;  // no gradient flows into this node
    JANUS_CHECK(!n->released,
                "backward: trying to backward through the graph a second time (op '{}'): its saved "
                "values were freed by the first backward (hint: pass retain_graph=true to the first "
                "backward call)",
                n->kind);
    Tensor g(it->second);
    pending.erase(it);
    std::vector<Tensor> grads = n->backward(g, n->needs);
    // Drop the engine's handle: a backward that returns (or wrote into) its incoming
    // gradient passes it on, and the consumer can adopt it instead of copying.
    g = Tensor();
    JANUS_CHECK(grads.size() == n->inputs.size(), "backward of '{}' returned {} gradients for {} inputs",
                n->kind, grads.size(), n->inputs.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!n->inputs[i] || !grads[i].defined()) continue;
      JANUS_CHECK(grads[i].shape() == n->inputs[i]->shape,
                  "backward of '{}': gradient for input {} has shape {} but the input has shape {}",
                  n->kind, i, shape_str(grads[i].shape()), shape_str(n->inputs[i]->shape));
      deliver(n->inputs[i], grads[i], false, pending);
    }
    if (!retain_graph) {
      n->backward = nullptr;  // frees the saved tensors
      n->released = true;
    }
  }
}

Tensor default_root_grad(const Tensor& root, const Tensor& gradient, const char* what) {
  JANUS_CHECK(root.defined(), "{}: the tensor is undefined", what);
  JANUS_CHECK(wants_grad(root),
              "{}: the tensor does not require grad and has no grad_fn (hint: call "
              "requires_grad_() on the parameters, and do not compute the loss under NoGradGuard)",
              what);
  if (gradient.defined()) {
    JANUS_CHECK(gradient.shape() == root.shape(), "{}: gradient shape {} does not match the output shape {}",
                what, shape_str(gradient.shape()), shape_str(root.shape()));
    return gradient;
  }
  JANUS_CHECK(root.numel() == 1,
              "{}: a gradient can be created implicitly only for a one-element output (got shape {}); "
              "pass a gradient of the same shape",
              what, shape_str(root.shape()));
  return ones(root.shape());
}
}  // namespace

Node::~Node() {
  std::vector<std::shared_ptr<TensorImpl>> stack = std::move(inputs);
  while (!stack.empty()) {
    std::shared_ptr<TensorImpl> impl = std::move(stack.back());
    stack.pop_back();
    // Only when this was the last owner of the tensor and of its node does dropping it
    // cascade; then take the node's inputs over so that its destructor has nothing to do.
    if (impl && impl.use_count() == 1 && impl->grad_fn && impl->grad_fn.use_count() == 1) {
      std::shared_ptr<Node> node = std::move(impl->grad_fn);
      for (auto& in : node->inputs) stack.push_back(std::move(in));
      node->inputs.clear();
    }
  }
}

bool is_exclusive(const Tensor& t) {
  return t.defined() && t.impl_ptr().use_count() == 1 && t.impl()->storage.use_count() == 1;
}

bool GradMode::is_enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(), wants_grad);
}

void record(Tensor& output, const char* kind, const std::vector<Tensor>& inputs, BackwardFn backward) {
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->sequence = next_sequence.fetch_add(1);
  for (const Tensor& t : inputs) {
    const bool needs = wants_grad(t);
    node->inputs.push_back(needs ? t.impl_ptr() : nullptr);
    node->needs.push_back(needs);
  }
  node->backward = std::move(backward);
  output.impl()->grad_fn = std::move(node);
  output.impl()->requires_grad = true;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  const Tensor g = default_root_grad(*this, gradient, "backward");
  run_backward(*this, g, retain_graph, nullptr);
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output, bool retain_graph) {
  const Tensor g = default_root_grad(output, grad_output, "grad");
  std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>> captured;
  for (const Tensor& t : inputs) {
    JANUS_CHECK(wants_grad(t), "grad: one of the inputs does not require grad");
    captured[t.impl()] = nullptr;
  }
  run_backward(output, g, retain_graph, &captured);
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    const auto& slot = captured[t.impl()];
    out.push_back(slot ? Tensor(slot) : zeros(t.shape()));
  }
  return out;
}

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const Shape& gs = grad.shape();
  const size_t rank = gs.size();
  JANUS_CHECK(shape.size() <= rank, "sum_to_shape: cannot reduce {} to {}", shape_str(gs), shape_str(shape));
  // Target shape padded with leading ones, and its strides (0 on broadcast axes).
  Shape padded(rank - shape.size(), 1);
  padded.insert(padded.end(), shape.begin(), shape.end());
  std::vector<int64_t> tstrides = contiguous_strides(padded);
  for (size_t i = 0; i < rank; ++i) {
    JANUS_CHECK(padded[i] == gs[i] || padded[i] == 1, "sum_to_shape: cannot reduce {} to {}", shape_str(gs),
                shape_str(shape));
    if (padded[i] == 1) tstrides[i] = 0;
  }
  Tensor out = zeros(shape);
  float* o = out.data();
  const float* g = grad.data();
  const int64_t inner = rank ? gs[rank - 1] : 1;
  const int64_t inner_stride = rank ? tstrides[rank - 1] : 0;
  std::vector<int64_t> idx(rank, 0);
  const int64_t rows = grad.numel() / std::max<int64_t>(inner, 1);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t base = 0;
    for (size_t d = 0; d + 1 < rank; ++d) base += idx[d] * tstrides[d];
    const float* gr = g + r * inner;
    if (inner_stride == 0) {
      float s = 0.0f;
      for (int64_t j = 0; j < inner; ++j) s += gr[j];
      o[base] += s;
    } else {
      for (int64_t j = 0; j < inner; ++j) o[base + j] += gr[j];
    }
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      if (++idx[d] < gs[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace janus
