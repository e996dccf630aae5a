// keras::Sequential's training loop: compile() (optimizer, loss, metrics, and the trace),
// fit() with shuffling, validation, callbacks and Keras' progress line, evaluate(),
// predict(). Every batch runs through the traced Graph.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/model.h>
#include <janus/training/metrics.h>

#include "keras_internal.h"

#include <chrono>
#include <cstring>
#include <numeric>

namespace janus::keras {

namespace {

// Rows idx[b..e) of x (N, ...) as a new tensor.
Tensor gather_rows(const Tensor& x, const std::vector<int64_t>& idx, size_t b, size_t e) {
  Shape s = x.shape();
  const int64_t row = x.numel() / s[0];
  s[0] = static_cast<int64_t>(e - b);
  Tensor out = empty(s);
  for (size_t i = b; i < e; ++i)
    std::memcpy(out.data() + (i - b) * row, x.data() + idx[i] * row, sizeof(float) * row);
  return out;
}

std::string format_step_time(double seconds_per_step) {
  if (seconds_per_step >= 1.0) return fmt::format("{:.0f}s/step", seconds_per_step);
  if (seconds_per_step >= 1e-3) return fmt::format("{:.0f}ms/step", seconds_per_step * 1e3);
  return fmt::format("{:.0f}us/step", seconds_per_step * 1e6);
}

// " - loss: 0.8123 - accuracy: 0.7140 - val_loss: ..." in Keras' order.
std::string format_logs(const Logs& logs, const std::vector<std::string>& metrics) {
  std::vector<std::string> order{"loss"};
  for (const auto& m : metrics) order.push_back(m);
  order.push_back("val_loss");
  for (const auto& m : metrics) order.push_back("val_" + m);
  std::string out;
  for (const auto& k : order) {
    auto it = logs.find(k);
    if (it != logs.end()) out += fmt::format(" - {}: {:.4f}", k, it->second);
  }
  return out;
}

std::string bar(int64_t done, int64_t total) {
  const int width = 30;
  const int64_t filled = total > 0 ? done * width / total : width;
  std::string b(static_cast<size_t>(filled), '=');
  if (filled < width) b += '>' + std::string(static_cast<size_t>(width - filled - 1), '.');
  return "[" + b + "]";
}

}  // namespace

void Sequential::compile(const optimizers::Optimizer& optimizer, const Loss& loss,
                         const std::vector<std::string>& metrics) {
  JANUS_CHECK(layers_.size() >= 2, "compile: the model has no layers after its Input");
  JANUS_CHECK(loss.name_ == "sparse_categorical_crossentropy" || loss.name_ == "mse" ||
                  loss.name_ == "mean_squared_error",
              "compile: unknown loss \"{}\" (expected \"sparse_categorical_crossentropy\" or \"mse\")", loss.name_);
  for (const auto& m : metrics) {
    JANUS_CHECK(m == "accuracy", "compile: unknown metric \"{}\" (supported: \"accuracy\")", m);
    JANUS_CHECK(loss.name_ == "sparse_categorical_crossentropy",
                "compile: metric \"accuracy\" needs the loss \"sparse_categorical_crossentropy\" (got \"{}\")",
                loss.name_);
  }
  if (loss.name_ == "sparse_categorical_crossentropy")
    JANUS_CHECK(output_shape().size() == 1, "compile: \"sparse_categorical_crossentropy\" needs an output (None, "
                "classes) but the model's output is {} (hint: end with Flatten/Dense)", keras_shape(output_shape()));
  std::vector<Tensor> params;
  for (const Tensor& p : root_->parameters())
    if (p.requires_grad()) params.push_back(p);
  optimizer_ = optimizer.make(std::move(params));
  loss_ = loss;
  metrics_ = metrics;
  has_graph_ = false;
  ensure_graph();
}

void Sequential::compile(const std::string& optimizer, const Loss& loss, const std::vector<std::string>& metrics) {
  compile(optimizers::Optimizer::from_name(optimizer), loss, metrics);
}

void Sequential::check_targets(const Tensor& x, const Tensor& y, const char* who) const {
  JANUS_CHECK(compiled(), "{}: the model must be compiled first; call model.compile(optimizer, loss)", who);
  JANUS_CHECK(x.defined() && y.defined(), "{}: x and y must be defined", who);
  Shape want{x.defined() ? x.size(0) : 0};
  for (int64_t v : input_shape()) want.push_back(v);
  JANUS_CHECK(x.shape() == want, "{}: x has shape {} but the model's input is {} (channels-last)", who,
              shape_str(x.shape()), keras_shape(input_shape()));
  JANUS_CHECK(y.dim() >= 1 && y.size(0) == x.size(0), "{}: x has {} samples but y has shape {}", who, x.size(0),
              shape_str(y.shape()));
  if (loss_.name_ == "sparse_categorical_crossentropy") {
    JANUS_CHECK(y.dim() == 1 || (y.dim() == 2 && y.size(1) == 1),
                "{}: loss \"sparse_categorical_crossentropy\" expects integer labels of shape ({}) but y has shape {} "
                "(one-hot targets need \"categorical_crossentropy\", which janus does not have)", who, x.size(0),
                shape_str(y.shape()));
    const int64_t k = output_shape()[0];
    for (float v : y.to_vector())
      JANUS_CHECK(v >= 0 && v < k && v == static_cast<float>(static_cast<int64_t>(v)),
                  "{}: label {} is not a class index in [0, {}) of the model's output {}", who, v, k,
                  keras_shape(output_shape()));
  } else {
    Shape out{x.size(0)};
    for (int64_t v : output_shape()) out.push_back(v);
    JANUS_CHECK(y.shape() == out, "{}: loss \"{}\" needs y with the output's shape {} (got {})", who, loss_.name_,
                shape_str(out), shape_str(y.shape()));
  }
}

Tensor Sequential::compute_loss(const Tensor& out, const Tensor& y) const {
  if (loss_.name_ == "sparse_categorical_crossentropy") {
    const Tensor labels = y.dim() == 2 ? y.reshape({y.size(0)}) : y;
    if (loss_.from_logits_) return cross_entropy(out, labels);
    // Probabilities (e.g. a softmax output): log(p) fed to the fused cross-entropy, whose
    // log-softmax leaves log-probabilities that sum to one unchanged; 1e-7 guards log(0)
    // as Keras' clipping does.
    return cross_entropy(janus::log(out + 1e-7f), labels);
  }
  return mse_loss(out, y);
}

History Sequential::fit(const Tensor& x, const Tensor& y, const FitOptions& o) {
  check_targets(x, y, "fit");
  JANUS_CHECK(o.epochs_ >= 1 && o.batch_size_ >= 1, "fit: epochs and batch_size must be positive (got {}, {})",
              o.epochs_, o.batch_size_);
  const bool has_val = o.val_x_.defined();
  if (has_val) check_targets(o.val_x_, o.val_y_, "fit (validation_data)");
  ensure_graph();
  Generator gen(o.seed_);
  const int64_t n = x.size(0);
  const int64_t steps = (n + o.batch_size_ - 1) / o.batch_size_;
  History history;
  stop_training = false;
  for (auto& cb : o.callbacks_) cb->set_model(this);
  for (auto& cb : o.callbacks_) cb->on_train_begin();
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int epoch = 0; epoch < o.epochs_ && !stop_training; ++epoch) {
    for (auto& cb : o.callbacks_) cb->on_epoch_begin(epoch);
    if (o.verbose_ > 0) *out_ << fmt::format("Epoch {}/{}\n", epoch + 1, o.epochs_);
    std::iota(idx.begin(), idx.end(), 0);
    if (o.shuffle_)
      for (int64_t i = n - 1; i > 0; --i) std::swap(idx[i], idx[gen.below(static_cast<uint64_t>(i + 1))]);
    training::RunningMean loss_mean;
    int64_t correct = 0, seen = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    Logs logs;
    for (int64_t s = 0; s < steps; ++s) {
      const size_t b = static_cast<size_t>(s * o.batch_size_), e = std::min<size_t>(b + o.batch_size_, n);
      const Tensor xb = gather_rows(x, idx, b, e), yb = gather_rows(y, idx, b, e);
      const Tensor out = graph_.forward(xb, RunContext{true, &gen});
      Tensor loss = compute_loss(out, yb);
      optimizer_->zero_grad();
      loss.backward();
      optimizer_->step();
      loss_mean.add(loss.item(), static_cast<double>(e - b));
      if (!metrics_.empty()) correct += training::count_correct(out.detach(), yb.reshape({yb.size(0)}));
      seen += static_cast<int64_t>(e - b);
      logs["loss"] = loss_mean.value();
      if (!metrics_.empty()) logs["accuracy"] = static_cast<double>(correct) / static_cast<double>(seen);
      if (o.verbose_ == 1 && s + 1 < steps)
        *out_ << fmt::format("\r{}/{} {}{}", s + 1, steps, bar(s + 1, steps), format_logs(logs, metrics_))
              << std::flush;
    }
    const double seconds = elapsed();
    if (has_val) {
      const Logs v = evaluate(o.val_x_, o.val_y_, o.batch_size_);
      for (const auto& [k, val] : v) logs["val_" + k] = val;
    }
    if (o.verbose_ == 1)
      *out_ << fmt::format("\r{}/{} {} - {:.0f}s {}{}\n", steps, steps, bar(steps, steps), seconds,
                           format_step_time(seconds / steps), format_logs(logs, metrics_));
    if (o.verbose_ == 2)
      *out_ << fmt::format("{}/{} - {:.0f}s - {}{}\n", steps, steps, seconds, format_step_time(seconds / steps),
                           format_logs(logs, metrics_));
    for (const auto& [k, val] : logs) history.history[k].push_back(val);
    history.epoch.push_back(epoch);
    for (auto& cb : o.callbacks_) cb->on_epoch_end(epoch, logs);
  }
  for (auto& cb : o.callbacks_) cb->on_train_end();
  return history;
}

Logs Sequential::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size) {
  check_targets(x, y, "evaluate");
  ensure_graph();
  NoGradGuard no_grad;
  const int64_t n = x.size(0);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  training::RunningMean loss_mean;
  int64_t correct = 0;
  for (int64_t b = 0; b < n; b += batch_size) {
    const size_t e = static_cast<size_t>(std::min(b + batch_size, n));
    const Tensor xb = gather_rows(x, idx, static_cast<size_t>(b), e), yb = gather_rows(y, idx, static_cast<size_t>(b), e);
    const Tensor out = graph_.forward(xb, RunContext{false});
    loss_mean.add(compute_loss(out, yb).item(), static_cast<double>(e - b));
    if (!metrics_.empty()) correct += training::count_correct(out, yb.reshape({yb.size(0)}));
  }
  Logs logs{{"loss", loss_mean.value()}};
  if (!metrics_.empty()) logs["accuracy"] = static_cast<double>(correct) / static_cast<double>(n);
  return logs;
}

Tensor Sequential::predict(const Tensor& x, int64_t batch_size) {
  ensure_graph();
  Shape want{x.defined() ? x.size(0) : 0};
  for (int64_t v : input_shape()) want.push_back(v);
  JANUS_CHECK(x.defined() && x.shape() == want, "predict: x has shape {} but the model's input is {}",
              x.defined() ? shape_str(x.shape()) : std::string("undefined"), keras_shape(input_shape()));
  NoGradGuard no_grad;
  const int64_t n = x.size(0);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<Tensor> parts;
  for (int64_t b = 0; b < n; b += batch_size)
    parts.push_back(graph_.forward(gather_rows(x, idx, static_cast<size_t>(b), static_cast<size_t>(std::min(b + batch_size, n))),
                                   RunContext{false}));
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

}  // namespace janus::keras
