// keras::utils::Progbar: the line layout of Keras 3's keras/src/utils/progbar.py (count,
// 20-cell bar, ETA or elapsed seconds, time per step without the first step, " - name: value"
// with 4 decimals or 4-digit scientific below 1e-3) written from its documented behaviour.
#include <janus/core/error.h>
#include <janus/keras/progbar.h>

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

namespace janus::keras::utils {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// " 262ms/step": seconds at 1 s and above (or exactly 0), else ms, else us.
std::string format_time(double t) {
  if (t >= 1.0 || t == 0.0) return fmt::format(" {:.0f}s/step", t);
  if (t >= 1e-3) return fmt::format(" {:.0f}ms/step", t * 1e3);
  return fmt::format(" {:.0f}us/step", t * 1e6);
}

// Keras' ETA: "1:02:03" over an hour, "2:03" over a minute, else "42s" (truncated).
std::string format_eta(double eta) {
  const int64_t s = static_cast<int64_t>(eta);
  if (eta > 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s % 3600) / 60, s % 60);
  if (eta > 60) return fmt::format("{}:{:02d}", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string repeat_bar(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "\u2501";  // ━
  return out;
}

size_t cells(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

Progbar::Progbar(int64_t target, int verbose, std::ostream* out)
    : target_(target), verbose_(verbose), out_(out), clock_(steady_seconds), start_(steady_seconds()) {
  JANUS_CHECK(target > 0, "Progbar: target must be a positive number of steps (got {})", target);
  JANUS_CHECK(verbose >= 0 && verbose <= 2, "Progbar: verbose must be 0, 1 or 2 (got {})", verbose);
  JANUS_CHECK(out != nullptr, "Progbar: the output stream is null");
  color_ = out == &std::cout && ::isatty(STDOUT_FILENO);
}

Progbar& Progbar::clock(std::function<double()> now) {
  JANUS_CHECK(static_cast<bool>(now), "Progbar: the clock is empty");
  clock_ = std::move(now);
  start_ = clock_();
  return *this;
}

// Keras' estimate: (now - end of step 1) / (current - 1) once step 1 is behind, else the
// mean since the start; 0 before any step.
double Progbar::step_duration(int64_t current, double now) {
  if (current <= 0) return 0.0;
  const double t = have_first_step_ && current > 1 ? (now - after_first_step_) / static_cast<double>(current - 1)
                                                    : (now - start_) / static_cast<double>(current);
  if (current == 1) {
    after_first_step_ = now;
    have_first_step_ = true;
  }
  return t;
}

std::string Progbar::metrics_text(bool abs_threshold) const {
  std::string out;
  for (size_t i = 0; i < order_.size(); ++i) {
    const double avg = sums_[i].first / std::max(1.0, sums_[i].second);
    const bool fixed = abs_threshold ? std::fabs(avg) > 1e-3 : avg > 1e-3;
    out += fixed ? fmt::format(" - {}: {:.4f}", order_[i], avg) : fmt::format(" - {}: {:.4e}", order_[i], avg);
  }
  return out;
}

void Progbar::update(int64_t current, const ProgbarValues& values, bool finalize) {
  const double now = clock_();
  for (const auto& [name, v] : values) {
    size_t i = 0;
    while (i < order_.size() && order_[i] != name) ++i;
    if (i == order_.size()) {
      order_.push_back(name);
      sums_.emplace_back(0.0, 0.0);
    }
    if (finalize) {
      sums_[i] = {v, 1.0};
    } else {
      const double base = static_cast<double>(std::max<int64_t>(current - seen_, 1));
      sums_[i].first += v * base;
      sums_[i].second += base;
    }
  }
  seen_ = current;
  const double per_step = step_duration(current, now);
  const auto bold = [&](const std::string& s) { return color_ ? "\x1b[1m" + s + "\x1b[0m" : s; };

  if (verbose_ == 1) {
    if (ever_updated_ && now - last_update_ < interval_ && !finalize) return;
    const int digits = static_cast<int>(std::log10(static_cast<double>(target_))) + 1;
    const std::string count = fmt::format("{:>{}}/{}", current, digits, target_);
    const int filled = static_cast<int>(width_ * (static_cast<double>(current) / static_cast<double>(target_)));
    const int done = std::min(std::max(filled, 0), width_);
    std::string bar = count + " ", plain = count + " ";
    if (color_) bar = bold(count) + " ";
    if (done > 0) bar += color_ ? "\x1b[32m" + repeat_bar(done) + "\x1b[0m" : repeat_bar(done);
    bar += color_ ? "\x1b[37m" + repeat_bar(width_ - done) + "\x1b[0m" : repeat_bar(width_ - done);
    plain += repeat_bar(width_);
    const std::string when =
        finalize ? fmt::format("{:.0f}s", now - start_) : format_eta(per_step * static_cast<double>(target_ - current));
    const std::string info = format_time(per_step) + metrics_text(true);
    const size_t visible = cells(plain) + 1 + cells(when) + cells(info);
    std::string message = "\r" + bar + " " + bold(when) + info;
    if (prev_width_ > visible) message += std::string(prev_width_ - visible, ' ');
    if (finalize) message += "\n";
    *out_ << message << std::flush;
    prev_width_ = visible;
  } else if (verbose_ == 2 && finalize) {
    const int digits = static_cast<int>(std::log10(static_cast<double>(target_))) + 1;
    *out_ << fmt::format("{:>{}}/{} - {:.0f}s -{}{}\n", current, digits, target_, now - start_, format_time(per_step),
                         metrics_text(false))
          << std::flush;
  }
  last_update_ = now;
  ever_updated_ = true;
}

}  // namespace janus::keras::utils
