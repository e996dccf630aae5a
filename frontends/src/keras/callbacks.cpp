// Keras callbacks: CSVLogger (sorted keys after "epoch", 0-based epochs, values as Python
// writes a float: full precision), EarlyStopping, ModelCheckpoint (Keras 3's
// .weights.h5 or Keras-named safetensors, atomic), LearningRateScheduler.
#include <janus/keras/callbacks.h>
#include <janus/core/process_group.h>
#include <janus/keras/model.h>

#include <fmt/format.h>

#include <cmath>
#include <iostream>

namespace janus::keras::callbacks {

namespace {

// Keras' mode "auto": maximize accuracies, minimize everything else.
bool maximize(const std::string& monitor, const std::string& mode) {
  if (mode == "max") return true;
  if (mode == "min") return false;
  JANUS_CHECK(mode == "auto", "callback: mode must be \"auto\", \"min\" or \"max\" (got \"{}\")", mode);
  return monitor.find("acc") != std::string::npos;
}

double monitored(const Logs& logs, const std::string& monitor, const char* who) {
  auto it = logs.find(monitor);
  if (it != logs.end()) return it->second;
  std::string have;
  for (const auto& [k, v] : logs) have += (have.empty() ? "" : ", ") + k;
  JANUS_FAIL("{}: monitored quantity \"{}\" is not in the logs (available: {}); did you pass validation_data?", who,
             monitor, have);
}

}  // namespace

// Python's repr of a float, as Keras' CSVLogger writes logs through csv: the shortest text
// that reads back to the same double ("0.30000000000000004", "1e-05", "2.0", "nan").
std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);  // shortest round trip; exponent form as Python's
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void CSVLogger::on_train_begin() { csv_.reset(); }

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
  if (!csv_) {
    std::vector<std::string> columns{"epoch"};
    for (const auto& [k, v] : logs) columns.push_back(k);  // std::map: sorted, as Keras sorts
    csv_ = std::make_unique<training::CsvHistory>(filename_, columns);
  }
  std::vector<training::Cell> row{epoch};
  for (size_t i = 1; i < csv_->columns().size(); ++i) {
    auto it = logs.find(csv_->columns()[i]);
    row.emplace_back(it == logs.end() ? std::string("NA") : python_float_repr(it->second));
  }
  csv_->append(row);
}

bool EarlyStopping::better(double value, double reference) const {
  return maximize(monitor_, mode_) ? value - min_delta_ > reference : value + min_delta_ < reference;
}

void EarlyStopping::on_train_begin() {
  wait_ = 0;
  stopped_epoch_ = -1;
  best_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
  const double v = monitored(logs, monitor_, "EarlyStopping");
  if (best_epoch_ < 0 || better(v, best_)) {
    best_ = v;
    best_epoch_ = epoch;
    wait_ = 0;
    if (restore_best_weights_) best_weights_ = model_->get_weights();
    return;
  }
  if (++wait_ >= patience_ && epoch > 0) {
    stopped_epoch_ = epoch;
    model_->stop_training = true;
    if (restore_best_weights_ && !best_weights_.empty()) model_->set_weights(best_weights_);
  }
}

void ModelCheckpoint::on_train_begin() { have_best_ = false; }

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
  if (save_best_only_) {
    const double v = monitored(logs, monitor_, "ModelCheckpoint");
    const bool max = maximize(monitor_, mode_);
    if (have_best_ && !(max ? v > best_ : v < best_)) return;
    best_ = v;
    have_best_ = true;
  }
  if (process_group().is_root()) model_->save_weights(format_filepath(filepath_, epoch, logs));  // mpirun: rank 0 writes
  ++saves_;
}

void LearningRateScheduler::on_epoch_begin(int epoch) {
  optimizers::CompiledOptimizer& opt = model_->compiled_optimizer();
  opt.set_learning_rate(schedule_(epoch, opt.learning_rate()));
}

}  // namespace janus::keras::callbacks

namespace janus::keras::callbacks {

std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if ((c == '{' || c == '}') && i + 1 < pattern.size() && pattern[i + 1] == c) {  // "{{", "}}"
      out += c;
      ++i;
      continue;
    }
    JANUS_CHECK(c != '}', "ModelCheckpoint: single '}}' at position {} in \"{}\" (write \"}}}}\" for a brace)", i,
                pattern);
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = pattern.find('}', i);
    JANUS_CHECK(close != std::string::npos, "ModelCheckpoint: unclosed '{{' at position {} in \"{}\"", i, pattern);
    const std::string field = pattern.substr(i + 1, close - i - 1);
    const size_t colon = field.find(':');
    const std::string name = field.substr(0, colon), spec = colon == std::string::npos ? "" : field.substr(colon);
    try {
      if (name == "epoch") {
        out += fmt::format(fmt::runtime("{" + spec + "}"), epoch + 1);
      } else {
        const auto it = logs.find(name);
        if (it == logs.end()) {
          std::string have = "epoch";
          for (const auto& [k, v] : logs) have += ", " + k;
          JANUS_FAIL("ModelCheckpoint: the path \"{}\" names {{{}}}, which is not logged (available: {})", pattern,
                     name, have);
        }
        out += spec.empty() ? python_float_repr(it->second) : fmt::format(fmt::runtime("{" + spec + "}"), it->second);
      }
    } catch (const fmt::format_error& e) {
      JANUS_FAIL("ModelCheckpoint: bad format spec \"{}\" for {{{}}} in \"{}\": {}", spec, name, pattern, e.what());
    }
    i = close;
  }
  return out;
}

void ReduceLROnPlateau::on_train_begin() {
  JANUS_CHECK(factor_ < 1.0 && factor_ >= 0.0, "ReduceLROnPlateau: factor must be in [0, 1) (got {})", factor_);
  wait_ = 0;
  cooldown_counter_ = 0;
  have_best_ = false;
  reductions_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int, const Logs& logs) {
  const double current = monitored(logs, monitor_, "ReduceLROnPlateau");
  const bool max = maximize(monitor_, mode_);
  const bool improved = !have_best_ || (max ? current > best_ + min_delta_ : current < best_ - min_delta_);
  if (cooldown_counter_ > 0) {  // in cooldown: count down, do not wait
    --cooldown_counter_;
    wait_ = 0;
  }
  if (improved) {
    best_ = current;
    have_best_ = true;
    wait_ = 0;
    return;
  }
  if (cooldown_counter_ > 0) return;
  if (++wait_ < patience_) return;
  optimizers::CompiledOptimizer& opt = model_->compiled_optimizer();
  const double old_lr = opt.learning_rate();
  if (old_lr > static_cast<double>(static_cast<float>(min_lr_))) {
    opt.set_learning_rate(std::max(old_lr * factor_, min_lr_));
    ++reductions_;
    cooldown_counter_ = cooldown_;
    wait_ = 0;
  }
}

void TerminateOnNaN::on_train_batch_end(int batch, const Logs& logs) {
  const auto it = logs.find("loss");
  if (it == logs.end() || std::isfinite(it->second)) return;
  model_->output() << fmt::format("Batch {}: Invalid loss, terminating training\n", batch);
  terminated_batch_ = batch;
  model_->stop_training = true;
}

}  // namespace janus::keras::callbacks
