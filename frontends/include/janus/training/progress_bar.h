// A Keras-style progress line for training loops, updated in place on a terminal:
//   Epoch 1/5
//   312/312 [==============================] - 45s 144ms/step - loss: 1.5123 - accuracy: 0.4512
// When the output is not a terminal only the final line of each epoch is printed.
//
//   ProgressBar bar(batches);  ... bar.update(i + 1, {{"loss", l}, {"accuracy", a}});
//   bar.finish({{"val_loss", vl}, {"val_accuracy", va}});
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace janus::training {

using Metrics = std::vector<std::pair<std::string, double>>;

class ProgressBar {
 public:
  explicit ProgressBar(int64_t total, std::FILE* out = stdout);
  // `done` of `total` steps finished; redraws at most every 0.1 s on a terminal.
  void update(int64_t done, const Metrics& metrics);
  // Prints the final line with the last metrics plus `extra` (validation metrics).
  void finish(const Metrics& extra = {});
  // The line as it would be printed (for tests).
  std::string line(int64_t done, const Metrics& metrics, double elapsed) const;

 private:
  int64_t total_;
  std::FILE* out_;
  bool tty_;
  double start_;
  double last_draw_ = -1;
  Metrics last_;
  int64_t done_ = 0;
};

}  // namespace janus::training
