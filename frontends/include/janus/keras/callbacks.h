// Keras callbacks for Model::fit() (a Sequential or a functional Model): CSVLogger,
// EarlyStopping, ModelCheckpoint, LearningRateScheduler. Epochs and batches are 0-based in the hooks and in CSV files, as
// in Keras; a custom callback overrides any of the hooks.
//
//   auto stop = std::make_shared<keras::callbacks::EarlyStopping>("val_loss");
//   stop->patience(3).restore_best_weights(true);
//   model.fit(x, y, keras::FitOptions().epochs(30).callbacks({stop, csv}));
#pragma once

#include <janus/core/safetensors.h>
#include <janus/training/csv_history.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace janus::keras {

class Model;
using Logs = std::map<std::string, double>;  // "loss", "accuracy", "val_loss", ...

namespace callbacks {

class Callback {
 public:
  virtual ~Callback() = default;
  void set_model(Model* model) { model_ = model; }
  virtual void on_train_begin() {}
  virtual void on_epoch_begin(int epoch) {}
  virtual void on_epoch_end(int epoch, const Logs& logs) {}
  // Around each training batch; `batch` is its index within the epoch, and the logs hold
  // the epoch's running "loss" and metrics after this batch's update.
  virtual void on_train_batch_begin(int batch) {}
  virtual void on_train_batch_end(int batch, const Logs& logs) {}
  virtual void on_train_end() {}

 protected:
  Model* model_ = nullptr;
};

// Writes epoch,<sorted log keys> per epoch (Keras sorts the keys: epoch,accuracy,loss,
// val_accuracy,val_loss), atomically after every epoch. Values are written at full
// precision, as Python prints a float (python_float_repr): 0.3814949095249176, 1e-05, 2.0.
std::string python_float_repr(double v);

class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename) : filename_(std::move(filename)) {}
  void on_train_begin() override;
  void on_epoch_end(int epoch, const Logs& logs) override;

 private:
  std::string filename_;
  std::unique_ptr<training::CsvHistory> csv_;
};

// Stops when `monitor` has not improved by more than min_delta for `patience` epochs.
// mode "auto": max for names containing "acc", min otherwise.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(std::string monitor = "val_loss") : monitor_(std::move(monitor)) {}
  EarlyStopping& patience(int v) { patience_ = v; return *this; }
  EarlyStopping& min_delta(double v) { min_delta_ = v; return *this; }
  EarlyStopping& mode(const std::string& v) { mode_ = v; return *this; }
  EarlyStopping& restore_best_weights(bool v) { restore_best_weights_ = v; return *this; }
  void on_train_begin() override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  // 0-based epoch at which training stopped, -1 if it did not stop early.
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }

 private:
  bool better(double value, double reference) const;
  std::string monitor_, mode_ = "auto";
  int patience_ = 0;
  double min_delta_ = 0.0;
  bool restore_best_weights_ = false;
  double best_ = 0.0;
  int wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  NamedTensors best_weights_;
};

// Saves the model's weights with Model::save_weights after each epoch, or only when
// `monitor` improved: a name ending in ".weights.h5" is Keras 3's HDF5 layout, any other
// safetensors with Keras names ("conv2d/kernel" in Keras layouts). The path takes Python format
// fields as Keras does: {epoch} (1-based) and any logged name, with a format spec --
// "model.{epoch:02d}-{val_loss:.2f}.safetensors" -> "model.03-0.41.safetensors"; "{{" and
// "}}" are literal braces. Writes are atomic.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, std::string monitor = "val_loss")
      : filepath_(std::move(filepath)), monitor_(std::move(monitor)) {}
  ModelCheckpoint& save_best_only(bool v) { save_best_only_ = v; return *this; }
  ModelCheckpoint& mode(const std::string& v) { mode_ = v; return *this; }
  void on_train_begin() override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  int saves() const { return saves_; }

 private:
  std::string filepath_, monitor_, mode_ = "auto";
  bool save_best_only_ = false;
  double best_ = 0.0;
  bool have_best_ = false;
  int saves_ = 0;
};

// The path of ModelCheckpoint for `epoch` (0-based) and `logs`: Python's str.format with
// epoch + 1 and the logs. Throws janus::Error for an unknown field or a bad spec.
std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs);

// Keras 3's ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, mode="auto",
// min_delta=1e-4, cooldown=0, min_lr=0): when `monitor` has not improved by min_delta for
// `patience` epochs, lr = max(lr * factor, min_lr), then `cooldown` epochs without counting.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(std::string monitor = "val_loss") : monitor_(std::move(monitor)) {}
  ReduceLROnPlateau& factor(double v) { factor_ = v; return *this; }
  ReduceLROnPlateau& patience(int v) { patience_ = v; return *this; }
  ReduceLROnPlateau& mode(const std::string& v) { mode_ = v; return *this; }
  ReduceLROnPlateau& min_delta(double v) { min_delta_ = v; return *this; }
  ReduceLROnPlateau& cooldown(int v) { cooldown_ = v; return *this; }
  ReduceLROnPlateau& min_lr(double v) { min_lr_ = v; return *this; }
  void on_train_begin() override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  int reductions() const { return reductions_; }

 private:
  std::string monitor_, mode_ = "auto";
  double factor_ = 0.1, min_delta_ = 1e-4, min_lr_ = 0.0, best_ = 0.0;
  int patience_ = 10, cooldown_ = 0, cooldown_counter_ = 0, wait_ = 0, reductions_ = 0;
  bool have_best_ = false;
};

// Keras' TerminateOnNaN: stops training at the first batch whose loss is NaN or infinite
// (printing "Batch <i>: Invalid loss, terminating training" as Keras does).
class TerminateOnNaN : public Callback {
 public:
  void on_train_begin() override { terminated_batch_ = -1; }
  void on_train_batch_end(int batch, const Logs& logs) override;
  // The 0-based batch (within its epoch) that stopped training, -1 if none did.
  int terminated_batch() const { return terminated_batch_; }

 private:
  int terminated_batch_ = -1;
};

// Sets the optimizer's learning rate at each epoch begin to schedule(epoch, current lr),
// per epoch as in Keras (a per-step rate is a LearningRateSchedule given to the optimizer).
// Throws janus::Error when the optimizer's learning rate is a schedule.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int, double)> schedule) : schedule_(std::move(schedule)) {}
  void on_epoch_begin(int epoch) override;

 private:
  std::function<double(int, double)> schedule_;
};

}  // namespace callbacks
}  // namespace janus::keras
