// keras::Model's losses and accuracy metrics: the targets each loss expects (checked
// with both shapes in the message), the loss itself (Keras 3's formulas, probabilities
// normalized and clipped when from_logits is false), and the hit count behind "accuracy",
// "acc", "sparse_categorical_accuracy", "categorical_accuracy" and "binary_accuracy".
#include <janus/core/ops.h>
#include <janus/keras/model.h>
#include <janus/training/metrics.h>

#include "keras_internal.h"

namespace janus::keras {

namespace {

bool is_sparse(const std::string& loss) { return loss == "sparse_categorical_crossentropy"; }
bool is_categorical(const std::string& loss) { return loss == "categorical_crossentropy"; }
bool is_binary(const std::string& loss) { return loss == "binary_crossentropy"; }

// Keras 3's backend.epsilon(): probabilities are clipped to [eps, 1 - eps] before a log.
constexpr float kEpsilon = 1e-7f;

// log of Keras 3's probabilities for the categorical losses (from_logits false): the output
// (N, K) divided by its sum over the class axis, clipped, so an output that is not a
// distribution (or has zeros) still gives a finite loss.
Tensor clipped_log_probs(const Tensor& out) {
  return janus::log(clip(out / sum(out, {1}, true), kEpsilon, 1.0f - kEpsilon));  // (N, K)
}

// Integer labels (N) as one-hot rows (N, K), a constant.
Tensor one_hot_rows(const Tensor& labels, int64_t k) {
  Tensor t = zeros({labels.size(0), k});
  const std::vector<float> v = labels.to_vector();
  for (size_t i = 0; i < v.size(); ++i) t.data()[static_cast<int64_t>(i) * k + static_cast<int64_t>(v[i])] = 1.0f;
  return t;
}

// Keras 3's binary crossentropy per element: from probabilities clipped to [eps, 1 - eps],
// or from logits z as max(z, 0) - z t + log(1 + exp(-|z|)) (stable for large |z|).
Tensor binary_crossentropy_elements(const Tensor& out, const Tensor& t, bool from_logits) {
  if (from_logits) {
    const Tensor abs_z = relu(out) + relu(-out);
    return relu(out) - out * t + janus::log(janus::exp(-abs_z) + 1.0f);
  }
  const Tensor p = clip(out, kEpsilon, 1.0f - kEpsilon);
  return -(t * janus::log(p) + (-t + 1.0f) * janus::log(-p + 1.0f));
}

bool is_accuracy(const std::string& m) { return m == "accuracy" || m == "acc"; }

}  // namespace

void check_loss_and_metrics(const Loss& loss, const std::vector<std::string>& metrics, const Shape& output_shape) {
  const std::string& name = loss.name_;
  JANUS_CHECK(is_sparse(name) || is_categorical(name) || is_binary(name) || name == "mse" ||
                  name == "mean_squared_error",
              "compile: unknown loss \"{}\" (expected \"sparse_categorical_crossentropy\", "
              "\"categorical_crossentropy\", \"binary_crossentropy\" or \"mse\")", name);
  for (const auto& m : metrics) {
    JANUS_CHECK(is_accuracy(m) || m == "sparse_categorical_accuracy" || m == "categorical_accuracy" ||
                    m == "binary_accuracy",
                "compile: unknown metric \"{}\" (supported: \"accuracy\", \"acc\", \"sparse_categorical_accuracy\", "
                "\"categorical_accuracy\", \"binary_accuracy\")", m);
    JANUS_CHECK(is_sparse(name) || is_categorical(name) || is_binary(name),
                "compile: metric \"{}\" needs a classification loss (\"sparse_categorical_crossentropy\", "
                "\"categorical_crossentropy\" or \"binary_crossentropy\"; got \"{}\")", m, name);
    JANUS_CHECK(!is_binary(name) || is_accuracy(m) || m == "binary_accuracy",
                "compile: metric \"{}\" does not suit the loss \"binary_crossentropy\" (use \"accuracy\" or "
                "\"binary_accuracy\")", m);
    JANUS_CHECK(!(m == "binary_accuracy" && !is_binary(name)),
                "compile: metric \"binary_accuracy\" needs the loss \"binary_crossentropy\" (got \"{}\")", name);
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

void Model::check_targets(const Tensor& x, const Tensor& y, const char* who) const {
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

// Keras 3's losses, averaged over the batch ("sum_over_batch_size"). Cross-entropies from
// logits use the fused, stable log-softmax; from probabilities Keras 3's
// -sum(t log clip(p / sum(p), eps, 1 - eps)). Binary: the mean over the last axis per
// sample, then over the batch -- the mean over all elements.
Tensor Model::compute_loss(const Tensor& out, const Tensor& y) const {
  const std::string& name = loss_.name_;
  if (is_binary(name)) return mean(binary_crossentropy_elements(out, y, loss_.from_logits_));
  if (!is_sparse(name) && !is_categorical(name)) return mse_loss(out, y);
  const Tensor labels = is_sparse(name) && y.dim() == 2 ? y.reshape({y.size(0)}) : y;
  if (loss_.from_logits_) {
    if (is_sparse(name)) return cross_entropy(out, labels);
    return mean(-sum(y * log_softmax(out, 1), {1}));  // categorical: (N, K) -> (N) -> ()
  }
  const Tensor t = is_sparse(name) ? one_hot_rows(labels, out.size(1)) : y;  // (N, K)
  return mean(-sum(t * clipped_log_probs(out), {1}));
}

double Model::count_hits(const Tensor& out, const Tensor& y) const {
  if (is_binary(loss_.name_)) {
    // Keras' binary_accuracy: (output > 0.5) == target, averaged over the last axis per
    // sample; the hit count is the sum of those per-sample means.
    const std::vector<float> o = out.to_vector(), t = y.to_vector();
    const int64_t last = out.dim() >= 2 ? out.size(out.dim() - 1) : 1;
    double hits = 0.0;
    for (size_t i = 0; i < o.size(); ++i) hits += ((o[i] > 0.5f ? 1.0f : 0.0f) == t[i]) ? 1.0 : 0.0;
    return hits / static_cast<double>(last);
  }
  if (is_sparse(loss_.name_)) return training::count_correct(out, y.reshape({y.size(0)}));
  const std::vector<int64_t> classes = training::argmax_rows(y);  // one-hot -> class index
  Tensor labels = empty({y.size(0)});
  for (size_t i = 0; i < classes.size(); ++i) labels.data()[i] = static_cast<float>(classes[i]);
  return training::count_correct(out, labels);
}

}  // namespace janus::keras
