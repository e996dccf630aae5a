// keras::utils::Progbar: Keras 3's progress line (keras.utils.Progbar), as fit() prints it:
//    3/10 ━━━━━━━━━━━━━━━━━━━━ 2s 251ms/step - accuracy: 0.7031 - loss: 0.6124
//   10/10 ━━━━━━━━━━━━━━━━━━━━ 3s 262ms/step - accuracy: 0.8125 - loss: 0.4460 - val_loss: ...
// The bar is 20 '━' (green up to the progress, white after it, when colors are on); ETA while
// the epoch runs, the elapsed seconds once it is done; the time per step leaves out the first
// step; metrics in the order given. As in Keras 3, the values shown while running are the
// mean over the updates so far (weighted by steps), the final ones as given. verbose 2 prints
// only the final line: "10/10 - 3s - 262ms/step - ...". Redraws in place with '\r' at most
// every `interval` seconds; the clock can be replaced (tests).
//
//   keras::utils::Progbar bar(steps);  for (...) bar.update(step + 1, {{"loss", l}});
#pragma once

#include <cstdint>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace janus::keras::utils {

using ProgbarValues = std::vector<std::pair<std::string, double>>;

class Progbar {
 public:
  explicit Progbar(int64_t target, int verbose = 1, std::ostream* out = &std::cout);
  Progbar& width(int v) { width_ = v; return *this; }
  Progbar& interval(double seconds) { interval_ = seconds; return *this; }
  // ANSI colors and bold as Keras prints them (default: only when writing to a terminal's
  // std::cout).
  Progbar& color(bool v) { color_ = v; return *this; }
  // Seconds on any steady scale (tests); the bar's start is read from it now.
  Progbar& clock(std::function<double()> now);

  // `current` steps of `target` done; final when current >= target.
  void update(int64_t current, const ProgbarValues& values) { update(current, values, current >= target_); }
  void update(int64_t current, const ProgbarValues& values, bool finalize);

 private:
  double step_duration(int64_t current, double now);
  std::string metrics_text(bool abs_threshold) const;

  int64_t target_;
  int verbose_, width_ = 20;
  double interval_ = 0.05;
  std::ostream* out_;
  bool color_ = false;
  std::function<double()> clock_;
  double start_ = 0.0, last_update_ = 0.0, after_first_step_ = 0.0;
  bool have_first_step_ = false, ever_updated_ = false;
  int64_t seen_ = 0;
  size_t prev_width_ = 0;
  std::vector<std::string> order_;
  std::vector<std::pair<double, double>> sums_;  // per name in order_: sum of value * steps, steps
};

}  // namespace janus::keras::utils
