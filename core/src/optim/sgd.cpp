// SGD with momentum, dampening, Nesterov and L2 weight decay, in PyTorch's order of float
// operations (see sgd.h for the rule).
#include <janus/core/autograd.h>
#include <janus/core/optim/sgd.h>

namespace janus::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr_, "SGD"), options_(options) {
  JANUS_CHECK(options.momentum_ >= 0.0, "SGD: expected momentum >= 0 (got {})", options.momentum_);
  JANUS_CHECK(options.weight_decay_ >= 0.0, "SGD: expected weight_decay >= 0 (got {})", options.weight_decay_);
  JANUS_CHECK(!options.nesterov_ || (options.momentum_ > 0.0 && options.dampening_ == 0.0),
              "SGD: Nesterov momentum needs momentum > 0 and dampening 0 (got momentum {}, dampening {})",
              options.momentum_, options.dampening_);
}

Tensor SGD::momentum_buffer(size_t slot) const { return slot < buffers_.size() ? buffers_[slot] : Tensor(); }

void SGD::step() {
  NoGradGuard no_grad;
  buffers_.resize(num_params());
  const float wd = static_cast<float>(options_.weight_decay_);
  const float mu = static_cast<float>(options_.momentum_);
  const float keep = static_cast<float>(1.0 - options_.dampening_);
  const bool nesterov = options_.nesterov_;
  for_each_param([&](Tensor& p, const Tensor& grad, double lr, size_t slot) {
    JANUS_CHECK(grad.shape() == p.shape(), "SGD: gradient {} does not match parameter {}",
                shape_str(grad.shape()), shape_str(p.shape()));
    const int64_t n = p.numel();
    float* pp = p.data();
    const float* pg = grad.data();
    const float neg_lr = static_cast<float>(-lr);
    Tensor& buf = buffers_[slot];
    const bool first = !buf.defined();
    if (mu != 0.0f && first) buf = empty(p.shape());
    float* pb = mu != 0.0f ? buf.data() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      float d = pg[i];
      if (wd != 0.0f) d = d + wd * pp[i];
      if (pb) {
        pb[i] = first ? d : pb[i] * mu + keep * d;
        d = nesterov ? d + mu * pb[i] : pb[i];
      }
      pp[i] = pp[i] + neg_lr * d;
    }
  });
  ++steps_;
}

}  // namespace janus::optim
