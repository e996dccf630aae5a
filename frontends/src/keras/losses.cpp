// keras::Sequential's losses and accuracy metrics: the targets each loss expects (checked
// with both shapes in the message), the loss itself, and the hit count behind "accuracy",
// "acc", "sparse_categorical_accuracy" and "categorical_accuracy".
#include <janus/core/ops.h>
#include <janus/keras/model.h>
#include <janus/training/metrics.h>

#include "keras_internal.h"

namespace janus::keras {

namespace {

bool is_sparse(const std::string& loss) { return loss == "sparse_categorical_crossentropy"; }
bool is_categorical(const std::string& loss) { return loss == "categorical_crossentropy"; }

}  // namespace

void check_loss_and_metrics(const Loss& loss, const std::vector<std::string>& metrics, const Shape& output_shape) {
  const std::string& name = loss.name_;
  JANUS_CHECK(is_sparse(name) || is_categorical(name) || name == "mse" || name == "mean_squared_error",
              "compile: unknown loss \"{}\" (expected \"sparse_categorical_crossentropy\", "
              "\"categorical_crossentropy\" or \"mse\")", name);
  for (const auto& m : metrics) {
    JANUS_CHECK(m == "accuracy" || m == "acc" || m == "sparse_categorical_accuracy" || m == "categorical_accuracy",
                "compile: unknown metric \"{}\" (supported: \"accuracy\", \"acc\", \"sparse_categorical_accuracy\", "
                "\"categorical_accuracy\")", m);
    JANUS_CHECK(is_sparse(name) || is_categorical(name),
                "compile: metric \"{}\" needs a classification loss (\"sparse_categorical_crossentropy\" or "
                "\"categorical_crossentropy\"; got \"{}\")", m, name);
    JANUS_CHECK(!(m == "sparse_categorical_accuracy" && is_categorical(name)),
                "compile: metric \"sparse_categorical_accuracy\" expects integer labels but the loss "
                "\"categorical_crossentropy\" takes one-hot targets (use \"accuracy\" or \"categorical_accuracy\")");
    JANUS_CHECK(!(m == "categorical_accuracy" && is_sparse(name)),
                "compile: metric \"categorical_accuracy\" expects one-hot targets but the loss "
                "\"sparse_categorical_crossentropy\" takes integer labels (use \"accuracy\" or "
                "\"sparse_categorical_accuracy\")");
  }
  if (is_sparse(name) || is_categorical(name))
    JANUS_CHECK(output_shape.size() == 1, "compile: \"{}\" needs an output (None, classes) but the model's output is "
                "{} (hint: end with Flatten/Dense)", name, keras_shape(output_shape));
}

void Sequential::check_targets(const Tensor& x, const Tensor& y, const char* who) const {
  JANUS_CHECK(compiled(), "{}: the model must be compiled first; call model.compile(optimizer, loss)", who);
  JANUS_CHECK(x.defined() && y.defined(), "{}: x and y must be defined", who);
  Shape want{x.dim() >= 1 ? x.size(0) : 0};
  for (int64_t v : input_shape()) want.push_back(v);
  JANUS_CHECK(x.shape() == want, "{}: x has shape {} but the model's input is {} (channels-last)", who,
              shape_str(x.shape()), keras_shape(input_shape()));
  JANUS_CHECK(y.dim() >= 1 && y.size(0) == x.size(0), "{}: x has {} samples but y has shape {}", who, x.size(0),
              shape_str(y.shape()));
  if (is_sparse(loss_.name_)) {
    JANUS_CHECK(y.dim() == 1 || (y.dim() == 2 && y.size(1) == 1),
                "{}: loss \"sparse_categorical_crossentropy\" expects integer labels of shape ({}) but y has shape {} "
                "(one-hot targets need \"categorical_crossentropy\")", who, x.size(0), shape_str(y.shape()));
    const int64_t k = output_shape()[0];
    for (float v : y.to_vector())
      JANUS_CHECK(v >= 0 && v < k && v == static_cast<float>(static_cast<int64_t>(v)),
                  "{}: label {} is not a class index in [0, {}) of the model's output {}", who, v, k,
                  keras_shape(output_shape()));
    return;
  }
  Shape out{x.size(0)};
  for (int64_t v : output_shape()) out.push_back(v);
  JANUS_CHECK(y.shape() == out, "{}: loss \"{}\" needs y with the output's shape {} (got {}){}", who, loss_.name_,
              shape_str(out), shape_str(y.shape()),
              is_categorical(loss_.name_) && y.dim() == 1 ? " (integer labels need \"sparse_categorical_crossentropy\")"
                                                          : "");
}

Tensor Sequential::compute_loss(const Tensor& out, const Tensor& y) const {
  // Probabilities (from_logits false, e.g. a softmax output) become log(p) for the
  // log-softmax below, which leaves log-probabilities that sum to one unchanged; 1e-7
  // guards log(0) as Keras' clipping does.
  if (!is_sparse(loss_.name_) && !is_categorical(loss_.name_)) return mse_loss(out, y);
  const Tensor z = loss_.from_logits_ ? out : janus::log(out + 1e-7f);
  if (is_sparse(loss_.name_)) return cross_entropy(z, y.dim() == 2 ? y.reshape({y.size(0)}) : y);
  return mean(-sum(y * log_softmax(z, 1), {1}));  // categorical: (N, K) -> (N) -> ()
}

int64_t Sequential::count_hits(const Tensor& out, const Tensor& y) const {
  if (is_sparse(loss_.name_)) return training::count_correct(out, y.reshape({y.size(0)}));
  const std::vector<int64_t> classes = training::argmax_rows(y);  // one-hot -> class index
  Tensor labels = empty({y.size(0)});
  for (size_t i = 0; i < classes.size(); ++i) labels.data()[i] = static_cast<float>(classes[i]);
  return training::count_correct(out, labels);
}

}  // namespace janus::keras
