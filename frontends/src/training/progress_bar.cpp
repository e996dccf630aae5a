// ProgressBar: the Keras progress line, redrawn with '\r' on terminals.
#include <janus/training/progress_bar.h>

#include <fmt/format.h>

#include <chrono>
#include <unistd.h>

namespace janus::training {

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

ProgressBar::ProgressBar(int64_t total, std::FILE* out)
    : total_(total < 1 ? 1 : total), out_(out), tty_(::isatty(::fileno(out)) != 0), start_(now()) {}

std::string ProgressBar::line(int64_t done, const Metrics& metrics, double elapsed) const {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total_);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), '.');
  const int digits = static_cast<int>(std::to_string(total_).size());
  std::string s = fmt::format("{:>{}}/{} [{}] - ", done, digits, total_, bar);
  const double per_step = done > 0 ? elapsed / static_cast<double>(done) : 0.0;
  if (done < total_)
    s += fmt::format("ETA: {:.0f}s", per_step * static_cast<double>(total_ - done));
  else
    s += fmt::format("{:.0f}s {:.0f}ms/step", elapsed, per_step * 1000.0);
  for (const auto& [name, value] : metrics) s += fmt::format(" - {}: {:.4f}", name, value);
  return s;
}

void ProgressBar::update(int64_t done, const Metrics& metrics) {
  done_ = done;
  last_ = metrics;
  if (!tty_) return;
  const double t = now();
  if (last_draw_ >= 0 && t - last_draw_ < 0.1 && done < total_) return;
  last_draw_ = t;
  fmt::print(out_, "\r{}\033[K", line(done, metrics, t - start_));
  std::fflush(out_);
}

void ProgressBar::finish(const Metrics& extra) {
  Metrics all = last_;
  all.insert(all.end(), extra.begin(), extra.end());
  fmt::print(out_, "{}{}\n", tty_ ? "\r" : "", line(done_, all, now() - start_));
  std::fflush(out_);
}

}  // namespace janus::training
