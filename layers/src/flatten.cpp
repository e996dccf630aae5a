// nn::Flatten: checks the axis range against the input's rank, then reshapes (a view).
#include <janus/layers/flatten.h>

namespace janus::nn {

Flatten::Flatten(int64_t start_dim, int64_t end_dim) : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {
  JANUS_CHECK(!(start_dim >= 0 && end_dim >= 0 && start_dim > end_dim) && !(start_dim < 0 && end_dim < 0 && start_dim > end_dim),
              "Flatten: start_dim ({}) must not come after end_dim ({})", start_dim, end_dim);
}

Tensor Flatten::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  const int64_t rank = std::max<int64_t>(x.dim(), 1);
  const int64_t s = start_dim_ < 0 ? start_dim_ + rank : start_dim_;
  const int64_t e = end_dim_ < 0 ? end_dim_ + rank : end_dim_;
  JANUS_CHECK(s >= 0 && s < rank && e >= 0 && e < rank && s <= e,
              "{}: cannot flatten axes {}..{} of a {}-D input {}", describe(), start_dim_, end_dim_, x.dim(),
              shape_str(x.shape()));
  return x.flatten(s, e);
}

std::string Flatten::extra_repr() const { return fmt::format("start_dim={}, end_dim={}", start_dim_, end_dim_); }

}  // namespace janus::nn
