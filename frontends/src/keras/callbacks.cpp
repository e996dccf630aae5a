// Keras callbacks: CSVLogger (sorted keys after "epoch", 0-based epochs, values as Python
// writes a float: full precision), EarlyStopping, ModelCheckpoint (Keras-named
// safetensors, atomic), LearningRateScheduler.
#include <janus/keras/callbacks.h>
#include <janus/keras/model.h>

#include <fmt/format.h>

#include <cmath>

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
  std::string path = filepath_;
  const std::string key = "{epoch}";
  for (size_t p = path.find(key); p != std::string::npos; p = path.find(key))
    path.replace(p, key.size(), std::to_string(epoch + 1));
  model_->save_weights(path);
  ++saves_;
}

void LearningRateScheduler::on_epoch_begin(int epoch) {
  optimizers::CompiledOptimizer& opt = model_->compiled_optimizer();
  opt.set_learning_rate(schedule_(epoch, opt.learning_rate()));
}

}  // namespace janus::keras::callbacks
