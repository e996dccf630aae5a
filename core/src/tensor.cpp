// Tensor handle, storage and creation functions. Autograd entry points live in autograd.cpp;
// reshape/flatten are ops (ops/shape_ops.cpp).
#include <janus/core/allocator.h>
#include <janus/core/autograd.h>
#include <janus/core/random.h>
#include <janus/core/tensor.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace janus {

Storage::Storage(int64_t n) : size(n) {
  JANUS_CHECK(n >= 0, "tensor: negative element count {}", n);
  // 64-byte alignment for SIMD loads; at least one cache line so data is never null.
  // Buffers come from the caching allocator (allocator.h), so they may hold old values.
  data = storage_alloc(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float));
}

Storage::~Storage() { storage_free(data, static_cast<size_t>(std::max<int64_t>(size, 1)) * sizeof(float)); }

Tensor::Tensor(const Shape& shape) : Tensor(zeros(shape)) {}

void Tensor::check_defined(const char* what) const {
  JANUS_CHECK(impl_ != nullptr, "{}: the tensor is undefined (default-constructed)", what);
}

const Shape& Tensor::shape() const {
  check_defined("shape");
  return impl_->shape;
}

int64_t Tensor::size(int64_t axis) const {
  return shape()[normalize_axis(axis, dim(), "size")];
}

int64_t Tensor::numel() const { return numel_of(shape()); }

float* Tensor::data() {
  check_defined("data");
  return impl_->storage->data + impl_->offset;
}

const float* Tensor::data() const {
  check_defined("data");
  return impl_->storage->data + impl_->offset;
}

float Tensor::item() const {
  JANUS_CHECK(numel() == 1, "item: expected a tensor with one element (got shape {})",
              shape_str(shape()));
  return data()[0];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  JANUS_CHECK(static_cast<int64_t>(index.size()) == dim(),
              "at: index has {} entries but the tensor is {}-D (shape {})", index.size(), dim(),
              shape_str(shape()));
  const auto strides = contiguous_strides(shape());
  int64_t flat = 0, i = 0;
  for (int64_t v : index) {
    JANUS_CHECK(v >= 0 && v < shape()[i], "at: index {} out of range for axis {} of size {}", v, i,
                shape()[i]);
    flat += v * strides[i++];
  }
  return data()[flat];
}

std::vector<float> Tensor::to_vector() const { return std::vector<float>(data(), data() + numel()); }

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool value) {
  check_defined("requires_grad_");
  JANUS_CHECK(!value || is_leaf(),
              "requires_grad_: only leaf tensors can be marked; this one was produced by '{}' "
              "(hint: use detach() first)",
              impl_->grad_fn ? impl_->grad_fn->kind : "?");
  impl_->requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const { return impl_ && !impl_->grad_fn; }

Tensor Tensor::grad() const {
  check_defined("grad");
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}

void Tensor::set_grad(const Tensor& grad) {
  check_defined("set_grad");
  if (!grad.defined()) {
    impl_->grad.reset();
    return;
  }
  JANUS_CHECK(grad.shape() == shape(), "set_grad: gradient shape {} does not match tensor shape {}",
              shape_str(grad.shape()), shape_str(shape()));
  impl_->grad = grad.impl_ptr();
}

void Tensor::zero_grad() {
  check_defined("zero_grad");
  impl_->grad.reset();
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  check_defined("grad_fn");
  return impl_->grad_fn;
}

Tensor Tensor::detach() const {
  check_defined("detach");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  return Tensor(impl);
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape());
  std::memcpy(out.data(), data(), sizeof(float) * numel());
  return out;
}

Tensor& Tensor::fill_(float value) {
  std::fill(data(), data() + numel(), value);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  // The same shape, not just the same element count: a [2, 2] weight copied into a [4] one
  // is a mistake that would otherwise load without a word.
  JANUS_CHECK(src.shape() == shape(), "copy_: source shape {} differs from target shape {}{}",
              shape_str(src.shape()), shape_str(shape()),
              src.numel() == numel() ? " (same element count: reshape the source first if that is meant)" : "");
  std::memmove(data(), src.data(), sizeof(float) * numel());
  return *this;
}

Tensor empty(const Shape& shape) {
  for (int64_t s : shape)
    JANUS_CHECK(s >= 0, "tensor: negative size in shape {}", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(numel_of(shape));
  impl->shape = shape;
  return Tensor(impl);
}

Tensor full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill_(value);
  return t;
}

Tensor zeros(const Shape& shape) { return full(shape, 0.0f); }
Tensor ones(const Shape& shape) { return full(shape, 1.0f); }
Tensor scalar(float value) { return full({}, value); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape()); }

Tensor arange(float start, float end, float step) {
  JANUS_CHECK(step != 0.0f, "arange: step must be non-zero");
  const auto n = static_cast<int64_t>(std::max(0.0, std::ceil((double(end) - start) / step)));
  Tensor t = empty({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = start + static_cast<float>(i) * step;
  return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
  JANUS_CHECK(static_cast<int64_t>(values.size()) == numel_of(shape),
              "from_vector: {} values do not fill shape {} ({} elements)", values.size(),
              shape_str(shape), numel_of(shape));
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor uniform(const Shape& shape, float low, float high, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = low + (high - low) * static_cast<float>(g.uniform());
  return t;
}

Tensor normal(const Shape& shape, float mean, float std, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = mean + std * static_cast<float>(g.normal());
  return t;
}

Tensor randn(const Shape& shape, Generator* gen) { return normal(shape, 0.0f, 1.0f, gen); }

bool allclose(const Tensor& a, const Tensor& b, float rtol, float atol) {
  if (a.shape() != b.shape()) return false;
  const float* pa = a.data();
  const float* pb = b.data();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(pa[i]) || std::isnan(pb[i])) return false;
    if (std::fabs(pa[i] - pb[i]) > atol + rtol * std::fabs(pb[i])) return false;
  }
  return true;
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  JANUS_CHECK(a.shape() == b.shape(), "max_abs_diff: shapes {} and {} differ", shape_str(a.shape()),
              shape_str(b.shape()));
  float m = 0.0f;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(a.data()[i] - b.data()[i]));
  return m;
}

}  // namespace janus
