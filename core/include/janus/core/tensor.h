// Tensor: a float32, contiguous, row-major n-d array with optional autograd state.
//
// A Tensor is a cheap handle: copying it copies a shared pointer, and the copies share
// the same storage and autograd state (like torch.Tensor). Use clone() for a deep copy.
// reshape() of a contiguous tensor also shares storage (a view).
//
//   janus::Tensor w = janus::randn({3, 4}, gen).requires_grad_();
//   janus::Tensor x = janus::ones({2, 3});
//   janus::Tensor loss = janus::sum(janus::matmul(x, w));
//   loss.backward();                 // w.grad() is now d loss / d w, shape [3, 4]
//   std::cout << w.t()[0] << "\n";  // torch's members and printing: tensor([ 0.1234, -1.5000, 2.0000])
//
// Tensors are always contiguous: view/reshape/squeeze/unsqueeze, x[i] / select(0, i) and
// narrow(0, ...) share storage as in torch; permute, transpose, t and select/narrow on a later
// axis copy (torch returns strided views there), so writes into them do not reach the source.
#pragma once

#include <janus/core/error.h>
#include <janus/core/shape.h>

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace janus {

class Generator;
struct Node;
struct MaxResult;

// Aligned, fixed-size float buffer that tensors share.
struct Storage {
  explicit Storage(int64_t n);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  float* data = nullptr;
  int64_t size = 0;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // first element inside storage (views made by reshape share it)
  Shape shape;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf, same shape
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, if recorded
};

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing; defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A new zero-filled tensor of this shape.
  explicit Tensor(const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  // Size of one axis; negative axes count from the end.
  int64_t size(int64_t axis) const;
  int64_t numel() const;

  float* data();
  const float* data() const;
  // The value of a one-element tensor.
  float item() const;
  // Element access by full index, for tests and teaching code (slow, checked).
  float at(std::initializer_list<int64_t> index) const;
  std::vector<float> to_vector() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward pass reached this leaf
  void set_grad(const Tensor& grad);
  void zero_grad();  // drops the gradient (torch's set_to_none=True)
  // Reverse-mode differentiation from this tensor. `gradient` may be omitted for a
  // one-element tensor. Without retain_graph the graph's saved values are freed.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // Same data, cut from the graph.
  Tensor detach() const;
  const std::shared_ptr<Node>& grad_fn() const;

  // Deep copy of the data (no autograd history).
  Tensor clone() const;
  // Shares storage; one axis may be -1. Recorded by autograd.
  Tensor reshape(const Shape& shape) const;
  // Merges axes start..end (inclusive, negative allowed) into one.
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;

  // torch.Tensor's shape members, all recorded by autograd. Axes may be negative.
  Tensor view(const Shape& shape) const;  // same as reshape (janus tensors are contiguous)
  Tensor permute(const std::vector<int64_t>& order) const;
  Tensor transpose(int64_t axis0, int64_t axis1) const;
  Tensor t() const;  // transpose of a 2-D tensor; 0-D and 1-D come back as they are
  Tensor squeeze() const;            // drops every axis of size 1
  Tensor squeeze(int64_t axis) const;  // drops `axis` if its size is 1, else unchanged
  Tensor unsqueeze(int64_t axis) const;  // new axis of size 1 at `axis` in [-(dim+1), dim]
  Tensor select(int64_t axis, int64_t index) const;  // drops `axis`, keeping entry `index`
  Tensor narrow(int64_t axis, int64_t start, int64_t length) const;
  Tensor operator[](int64_t index) const { return select(0, index); }

  // torch.Tensor's reductions. sum()/mean() reduce everything to a 0-d tensor.
  Tensor sum() const;
  Tensor sum(int64_t axis, bool keepdim = false) const;
  Tensor sum(const std::vector<int64_t>& axes, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t axis, bool keepdim = false) const;
  Tensor mean(const std::vector<int64_t>& axes, bool keepdim = false) const;
  // Largest value along `axis` and its index (the first one on ties; NaN counts as largest),
  // like torch.max(x, dim): auto [values, indices] = x.max(1). Indices are float32 holding
  // integers (janus tensors are float32); gradients flow into values only.
  MaxResult max(int64_t axis, bool keepdim = false) const;
  // Index of the largest value along `axis`, or in the flattened tensor (not differentiable).
  Tensor argmax(int64_t axis, bool keepdim = false) const;
  Tensor argmax() const;
  // In-place helpers (not recorded by autograd).
  Tensor& fill_(float value);
  Tensor& copy_(const Tensor& src);

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  void check_defined(const char* what) const;
  std::shared_ptr<TensorImpl> impl_;
};

// Creation.
Tensor empty(const Shape& shape);  // uninitialized
Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);
Tensor full(const Shape& shape, float value);
Tensor scalar(float value);  // 0-d tensor
Tensor arange(float start, float end, float step = 1.0f);
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
// Uniform in [low, high) and normal(mean, std), from `gen` (default generator if null).
Tensor uniform(const Shape& shape, float low, float high, Generator* gen = nullptr);
Tensor normal(const Shape& shape, float mean = 0.0f, float std = 1.0f, Generator* gen = nullptr);
Tensor randn(const Shape& shape, Generator* gen = nullptr);

// Result of Tensor::max(axis): values and the (float-valued) indices of the maxima.
struct MaxResult {
  Tensor values;
  Tensor indices;
};

// Closeness, for tests: |a - b| <= atol + rtol * |b| elementwise, same shapes.
bool allclose(const Tensor& a, const Tensor& b, float rtol = 1e-5f, float atol = 1e-8f);
// Largest |a - b| (shapes must match).
float max_abs_diff(const Tensor& a, const Tensor& b);

// As torch 1.13 prints (tensor_print.cpp): one format for all elements, aligned in columns,
//   tensor([[  1.5000,  -2.2500],
//           [  3.0000, 400.0000]])
// integer-valued floats as "1.", scientific notation when magnitudes span more than 1000x,
// exceed 1e8 or go below 1e-4, "..." past 1000 elements, then requires_grad / grad_fn.
std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace janus

template <>
struct fmt::formatter<janus::Tensor> : fmt::formatter<std::string> {
  template <typename Ctx>
  auto format(const janus::Tensor& t, Ctx& ctx) const {
    return fmt::formatter<std::string>::format(janus::to_string(t), ctx);
  }
};
