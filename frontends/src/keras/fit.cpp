// keras::Model's training loop: compile() (optimizer, loss, metrics, and the trace),
// fit() from arrays or a PyDataset with shuffling, validation, callbacks (per epoch and
// per batch; stop_training from a batch hook ends the epoch) and Keras 3's progress line
// (utils::Progbar), evaluate(), predict(). Every batch runs through the traced Graph; every
// update is one Keras optimizer step (schedule, weight decay). Under mpirun (more than one
// rank) fit() and evaluate() are data-parallel, see "Data parallel" in docs/keras.md.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/model.h>
#include <janus/keras/progbar.h>
#include <janus/training/metrics.h>
#include <janus/core/process_group.h>
#include <janus/distributed/reducer.h>

#include <memory>

#include "keras_internal.h"

#include <cmath>
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

// The logs in Keras 3's order: the training values by name (Keras sorts its logs), then
// the validation values by name.
utils::ProgbarValues keras_order(const Logs& logs) {
  utils::ProgbarValues train, val;
  for (const auto& [k, v] : logs) (k.rfind("val_", 0) == 0 ? val : train).emplace_back(k, v);
  train.insert(train.end(), val.begin(), val.end());
  return train;
}

// Under mpirun: rank 0's order to every rank (each rank shuffles with its own generator,
// which dropout also draws from, so the ranks' generators need not stay in step).
void broadcast_order(std::vector<int64_t>& order) {
  ProcessGroup& pg = process_group();
  if (pg.size() > 1) pg.broadcast(order.data(), static_cast<int64_t>(order.size() * sizeof(int64_t)), 0);
}

}  // namespace

void Model::compile(const optimizers::Optimizer& optimizer, const Loss& loss,
                         const std::vector<std::string>& metrics) {
  JANUS_CHECK(nodes_.size() > input_nodes_.size(), "compile: model \"{}\" has no layers after its Input", name_);
  JANUS_CHECK(input_nodes_.size() == 1 && output_nodes_.size() == 1, "compile: model \"{}\" has {} inputs and {} "
              "outputs; janus compiles and trains models with one input and one output (one loss); predict() "
              "runs any model", name_, input_nodes_.size(), output_nodes_.size());
  check_loss_and_metrics(loss, metrics, output_shape());
  std::vector<Tensor> params;
  for (const Tensor& p : root_->parameters())
    if (p.requires_grad()) params.push_back(p);
  optimizer_ = std::make_unique<optimizers::CompiledOptimizer>(optimizer, std::move(params));
  loss_ = loss;
  metrics_ = metrics;
  has_graph_ = false;
  ensure_graph();
}

void Model::compile(const std::string& optimizer, const Loss& loss, const std::vector<std::string>& metrics) {
  compile(optimizers::Optimizer::from_name(optimizer), loss, metrics);
}

namespace {

// Rows [b, e) of x.
Tensor slice_rows(const Tensor& x, int64_t b, int64_t e) {
  std::vector<int64_t> idx(static_cast<size_t>(e - b));
  std::iota(idx.begin(), idx.end(), b);
  return gather_rows(x, idx, 0, idx.size());
}

}  // namespace

History Model::fit(const Tensor& x_all, const Tensor& y_all, const FitOptions& o_in) {
  check_targets(x_all, y_all, "fit");
  FitOptions o = o_in;
  Tensor x = x_all, y = y_all;
  // Keras' validation_split: the last fraction of the samples, taken before any shuffling
  // (split at floor(n (1 - fraction))); validation_data wins when both are given.
  JANUS_CHECK(o.validation_split_ >= 0.0 && o.validation_split_ < 1.0,
              "fit: validation_split must be in [0, 1) (got {})", o.validation_split_);
  if (o.validation_split_ > 0.0 && !o.val_x_.defined()) {
    const int64_t n_all = x_all.size(0);
    const int64_t split = static_cast<int64_t>(std::floor(static_cast<double>(n_all) * (1.0 - o.validation_split_)));
    JANUS_CHECK(split >= 1 && split < n_all, "fit: validation_split={} of {} samples leaves {} for training and {} "
                "for validation; both need at least one", o.validation_split_, n_all, split, n_all - split);
    x = slice_rows(x_all, 0, split);
    y = slice_rows(y_all, 0, split);
    o.val_x_ = slice_rows(x_all, split, n_all);
    o.val_y_ = slice_rows(y_all, split, n_all);
  }
  JANUS_CHECK(o.epochs_ >= 1 && o.batch_size_ >= 1, "fit: epochs and batch_size must be positive (got {}, {})",
              o.epochs_, o.batch_size_);
  JANUS_CHECK(x.size(0) >= 1, "fit: x has no samples (shape {})", shape_str(x.shape()));
  Generator gen(o.seed_);
  const int64_t n = x.size(0);
  // Under mpirun every rank holds all of x and takes its shard of each global batch of
  // batch_size rows; each rank needs at least one row of every batch (SyncBN and the
  // gradient sum are exact on uneven shards, a mean over no rows is not defined).
  const int world = process_group().size(), me = process_group().rank();
  const int64_t last = n - (n - 1) / o.batch_size_ * o.batch_size_;  // rows of the last batch
  JANUS_CHECK(last >= world,
              "fit: under mpirun with {} processes every batch is split over the ranks, but the last batch holds {} "
              "sample(s) ({} samples, batch_size {}); choose a batch_size whose last batch has at least {} (or drop "
              "the remainder)",
              world, last, n, o.batch_size_, world);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  auto epoch_begin = [&](int) {
    std::iota(idx.begin(), idx.end(), 0);
    if (o.shuffle_) shuffle_indices(idx, gen);
    broadcast_order(idx);
  };
  auto batch = [&](int, int64_t s) {
    size_t b = static_cast<size_t>(s * o.batch_size_), e = std::min<size_t>(b + o.batch_size_, n);
    const auto [lo, hi] = shard_range(static_cast<int64_t>(e - b), me, world);  // all of it for one process
    e = b + static_cast<size_t>(hi);
    b += static_cast<size_t>(lo);
    return utils::DataBatch{gather_rows(x, idx, b, e), gather_rows(y, idx, b, e)};
  };
  return run_fit((n + o.batch_size_ - 1) / o.batch_size_, batch, epoch_begin, [](int) {}, o, gen);
}

History Model::fit(utils::PyDataset& source, const FitOptions& o) {
  JANUS_CHECK(compiled(), "fit: the model must be compiled first; call model.compile(optimizer, loss)");
  JANUS_CHECK(o.validation_split_ == 0.0, "fit: validation_split is only supported for arrays, not for a "
              "PyDataset (got {}); pass validation_data instead", o.validation_split_);
  JANUS_CHECK(o.epochs_ >= 1, "fit: epochs must be positive (got {})", o.epochs_);
  JANUS_CHECK(o.batch_size_ >= 1, "fit: batch_size must be positive (got {}); it is also the validation "
              "pass's batch size", o.batch_size_);
  const int64_t steps = source.size();
  JANUS_CHECK(steps >= 1, "fit: the PyDataset has no batches (size() is {})", steps);
  // Under mpirun a PyDataset yields this rank's part of each global batch (e.g. a DataLoader
  // with a DistributedSampler): every rank must have as many batches, or one would wait in a
  // collective forever.
  if (process_group().size() > 1) {
    std::vector<int64_t> all(static_cast<size_t>(process_group().size()));
    process_group().allgather(&steps, sizeof(int64_t), all.data());
    for (size_t r = 1; r < all.size(); ++r)
      JANUS_CHECK(all[r] == all[0], "fit: under mpirun every rank's PyDataset must have the same number of batches, "
                  "but rank 0 has {} and rank {} has {}", all[0], r, all[r]);
  }
  Generator gen(o.seed_);
  std::vector<int64_t> order(static_cast<size_t>(steps));
  auto epoch_begin = [&](int) {
    std::iota(order.begin(), order.end(), 0);  // Keras shuffles a PyDataset's batch order
    if (o.shuffle_) shuffle_indices(order, gen);
    broadcast_order(order);
    source.on_epoch_begin();
  };
  auto batch = [&](int epoch, int64_t s) {
    const int64_t index = order[static_cast<size_t>(s)];
    utils::DataBatch b = source.get(index);
    const std::string who = fmt::format("fit (PyDataset batch {} of epoch {})", index, epoch);
    check_targets(b.x, b.y, who.c_str());
    JANUS_CHECK(b.x.size(0) >= 1, "{}: the batch is empty (x {})", who, shape_str(b.x.shape()));
    return b;
  };
  return run_fit(steps, batch, epoch_begin, [&](int) { source.on_epoch_end(); }, o, gen);
}

History Model::run_fit(int64_t steps, const std::function<utils::DataBatch(int, int64_t)>& batch,
                            const std::function<void(int)>& epoch_begin, const std::function<void(int)>& epoch_end,
                            const FitOptions& o, Generator& gen) {
  const bool has_val = o.val_x_.defined();
  if (has_val) check_targets(o.val_x_, o.val_y_, "fit (validation_data)");
  ensure_graph();
  // Under mpirun (more than one rank): data-parallel. The data source yields this rank's
  // shard of each global batch; the mean loss is scaled by local / global batch before
  // backward and gradients are summed over ranks (distributed::Reducer: same model checked
  // and broadcast from rank 0 first); each step's loss and hits are summed over ranks, so
  // logs, progress and callbacks see the global batch's figures on every rank (and take the
  // same decisions); only rank 0 prints, CSVLogger and ModelCheckpoint write on rank 0.
  std::unique_ptr<distributed::Reducer> reducer;
  if (process_group().size() > 1)
    reducer = std::make_unique<distributed::Reducer>(graph_.parameters(), graph_.buffers(), process_group_ptr());
  const int verbose = process_group().is_root() ? o.verbose_ : 0;
  History history;
  stop_training = false;
  for (auto& cb : o.callbacks_) cb->set_model(this);
  for (auto& cb : o.callbacks_) cb->on_train_begin();
  for (int epoch = 0; epoch < o.epochs_ && !stop_training; ++epoch) {
    for (auto& cb : o.callbacks_) cb->on_epoch_begin(epoch);
    // Keras 3's ProgbarLogger: the epoch header only when there is more than one epoch.
    if (verbose > 0 && o.epochs_ > 1) *out_ << fmt::format("Epoch {}/{}\n", epoch + 1, o.epochs_);
    utils::Progbar progbar(steps, verbose == 1 || verbose == 2 ? verbose : 0, out_);
    epoch_begin(epoch);
    training::RunningMean loss_mean;
    double correct = 0;
    int64_t seen = 0;
    Logs logs;
    for (int64_t s = 0; s < steps; ++s) {
      for (auto& cb : o.callbacks_) cb->on_train_batch_begin(static_cast<int>(s));
      const utils::DataBatch b = batch(epoch, s);
      const int64_t rows = b.x.size(0);
      const Tensor out = graph_.forward(b.x, RunContext{true, &gen});
      Tensor loss = compute_loss(out, b.y);
      optimizer_->core().zero_grad();
      if (reducer) {
        (loss * reducer->loss_scale(rows)).backward();
        reducer->reduce_gradients();
      } else {
        loss.backward();
      }
      optimizer_->apply();
      double sums[3] = {loss.item() * static_cast<double>(rows),
                        metrics_.empty() ? 0.0 : count_hits(out.detach(), b.y), static_cast<double>(rows)};
      if (reducer) process_group().allreduce_sum(sums, 3);  // the global batch's loss and hits
      loss_mean.add(sums[0] / sums[2], sums[2]);
      correct += sums[1];
      seen += static_cast<int64_t>(sums[2]);
      logs["loss"] = loss_mean.value();
      for (const auto& m : metrics_) logs[m] = correct / static_cast<double>(seen);
      for (auto& cb : o.callbacks_) cb->on_train_batch_end(static_cast<int>(s), logs);
      // As Keras 3: a per-batch callback that set stop_training ends the epoch here; the
      // epoch-end path below (dataset hook, validation, on_epoch_end) still runs.
      if (stop_training) break;
      if (verbose == 1) progbar.update(s + 1, keras_order(logs), false);
    }
    epoch_end(epoch);
    // Per-process BN: validation, checkpoints and later evaluate/predict use rank 0's moving
    // statistics on every rank (synchronized BN's are the same on every rank anyway).
    if (reducer) reducer->broadcast_buffers();
    if (has_val) {
      const Logs v = evaluate(o.val_x_, o.val_y_, o.batch_size_);
      for (const auto& [k, val] : v) logs["val_" + k] = val;
    }
    // As Keras: the final line counts the whole epoch (target/target) and its seconds
    // include the validation.
    if (verbose == 1 || verbose == 2) progbar.update(steps, keras_order(logs), true);
    for (const auto& [k, val] : logs) history.history[k].push_back(val);
    history.epoch.push_back(epoch);
    for (auto& cb : o.callbacks_) cb->on_epoch_end(epoch, logs);
  }
  for (auto& cb : o.callbacks_) cb->on_train_end();
  return history;
}

Scores Model::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size) {
  check_targets(x, y, "evaluate");
  JANUS_CHECK(batch_size >= 1, "evaluate: batch_size must be positive (got {})", batch_size);
  ensure_graph();
  NoGradGuard no_grad;
  const int64_t n = x.size(0);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  // Under mpirun each rank scores its shard of every batch (inference makes no collective, so
  // an empty shard is skipped) and the sums are added over ranks: every rank gets the
  // one-process scores. evaluate() is then collective: every rank must call it.
  ProcessGroup& pg = process_group();
  training::RunningMean loss_mean;
  double sums[2] = {0, 0};  // sum of loss x rows, hits: this rank's, under mpirun
  double correct = 0;
  for (int64_t b = 0; b < n; b += batch_size) {
    const int64_t e = std::min(b + batch_size, n);
    const auto [lo, hi] = shard_range(e - b, pg.rank(), pg.size());
    if (lo == hi) continue;
    const Tensor xb = gather_rows(x, idx, static_cast<size_t>(b + lo), static_cast<size_t>(b + hi));
    const Tensor yb = gather_rows(y, idx, static_cast<size_t>(b + lo), static_cast<size_t>(b + hi));
    const Tensor out = graph_.forward(xb, RunContext{false});
    const double l = compute_loss(out, yb).item(), hits = metrics_.empty() ? 0.0 : count_hits(out, yb);
    loss_mean.add(l, static_cast<double>(hi - lo));
    sums[0] += l * static_cast<double>(hi - lo);
    sums[1] += hits;
    correct += hits;
  }
  double loss = loss_mean.value();
  if (pg.size() > 1) {
    pg.allreduce_sum(sums, 2);
    loss = sums[0] / static_cast<double>(n);
    correct = sums[1];
  }
  Scores scores;
  scores.add("loss", loss);
  for (const auto& m : metrics_) scores.add(m, correct / static_cast<double>(n));
  return scores;
}

Tensor Model::predict(const Tensor& x, int64_t batch_size) {
  ensure_graph();
  Shape want{x.defined() ? x.size(0) : 0};
  for (int64_t v : input_shape()) want.push_back(v);
  JANUS_CHECK(x.defined() && x.shape() == want, "predict: x has shape {} but the model's input is {}",
              x.defined() ? shape_str(x.shape()) : std::string("undefined"), keras_shape(input_shape()));
  JANUS_CHECK(batch_size >= 1, "predict: batch_size must be positive (got {})", batch_size);
  NoGradGuard no_grad;
  // Under mpirun every rank predicts all of x (inference makes no collective): the same
  // result on every rank, callable by any subset of the ranks.
  const int64_t n = x.size(0);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<Tensor> parts;
  for (int64_t b = 0; b < n; b += batch_size)
    parts.push_back(graph_.forward(gather_rows(x, idx, static_cast<size_t>(b), static_cast<size_t>(std::min(b + batch_size, n))),
                                   RunContext{false}));
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& xs, int64_t batch_size) {
  ensure_graph();
  const std::vector<Shape> shapes = input_shapes();
  JANUS_CHECK(xs.size() == shapes.size(), "predict: model \"{}\" has {} inputs but got {} arrays", name_,
              shapes.size(), xs.size());
  JANUS_CHECK(batch_size >= 1, "predict: batch_size must be positive (got {})", batch_size);
  const int64_t n = xs[0].defined() && xs[0].dim() >= 1 ? xs[0].size(0) : 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    Shape want{n};
    for (int64_t v : shapes[i]) want.push_back(v);
    JANUS_CHECK(xs[i].defined() && xs[i].shape() == want, "predict: input {} has shape {} but the model's input {} "
                "is {} (and every input needs the same number of samples, {})", i,
                xs[i].defined() ? shape_str(xs[i].shape()) : std::string("undefined"), i, keras_shape(shapes[i]), n);
  }
  JANUS_CHECK(n >= 1, "predict: the inputs have no samples");
  NoGradGuard no_grad;
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<std::vector<Tensor>> parts(output_nodes_.size());
  for (int64_t b = 0; b < n; b += batch_size) {
    std::vector<Tensor> batch;
    for (const Tensor& x : xs)
      batch.push_back(gather_rows(x, idx, static_cast<size_t>(b), static_cast<size_t>(std::min(b + batch_size, n))));
    const std::vector<Tensor> out = graph_.forward(batch, RunContext{false});
    for (size_t o = 0; o < out.size(); ++o) parts[o].push_back(out[o]);
  }
  std::vector<Tensor> result;
  for (auto& p : parts) result.push_back(p.size() == 1 ? p[0] : concat(p, 0));
  return result;
}

}  // namespace janus::keras
