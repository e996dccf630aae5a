// ReduceLROnPlateau: torch 1.13's plateau rule (is_better with rel/abs thresholds, patience,
// cooldown, min_lr, eps) and its state dict.
#include <janus/core/error.h>
#include <janus/core/optim/reduce_lr_on_plateau.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace janus::optim {

namespace {
double worst(const std::string& mode) {
  return mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}
}  // namespace

void ReduceLROnPlateau::check(const ReduceLROnPlateauOptions& o, const std::string& what) {
  JANUS_CHECK(o.mode_ == "min" || o.mode_ == "max", "{}: mode must be \"min\" or \"max\" (got \"{}\")", what, o.mode_);
  JANUS_CHECK(o.threshold_mode_ == "rel" || o.threshold_mode_ == "abs",
              "{}: threshold_mode must be \"rel\" or \"abs\" (got \"{}\")", what, o.threshold_mode_);
  JANUS_CHECK(o.factor_ < 1.0 && o.factor_ >= 0.0, "{}: factor should be < 1.0 and >= 0 (got {})", what, o.factor_);
  JANUS_CHECK(o.patience_ >= 0 && o.cooldown_ >= 0, "{}: expected patience and cooldown >= 0 (got {} and {})", what,
              o.patience_, o.cooldown_);
  JANUS_CHECK(o.min_lr_ >= 0.0 && o.eps_ >= 0.0, "{}: expected min_lr and eps >= 0 (got {} and {})", what, o.min_lr_,
              o.eps_);
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options), best_(worst(options.mode_)) {
  check(options, "ReduceLROnPlateau");
}

bool ReduceLROnPlateau::is_better(double a) const {
  const ReduceLROnPlateauOptions& o = options_;
  const bool rel = o.threshold_mode_ == "rel";
  if (o.mode_ == "min") return rel ? a < best_ * (1.0 - o.threshold_) : a < best_ - o.threshold_;
  return rel ? a > best_ * (o.threshold_ + 1.0) : a > best_ + o.threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  JANUS_CHECK(!std::isnan(metric), "ReduceLROnPlateau: the metric is NaN at step {}", last_epoch_ + 1);
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // ignore bad epochs while cooling down
  }
  if (num_bad_epochs_ > options_.patience_) {
    for (ParamGroup& g : optimizer_.param_groups()) {
      const double lowered = std::max(g.lr * options_.factor_, options_.min_lr_);
      if (g.lr - lowered > options_.eps_) g.lr = lowered;
    }
    cooldown_counter_ = options_.cooldown_;
    num_bad_epochs_ = 0;
  }
}

NamedTensors ReduceLROnPlateau::state_dict() const {
  const ReduceLROnPlateauOptions& o = options_;
  NamedTensors out;
  out.emplace_back("kind", encode_name(kind()));
  put_double(out, "last_epoch", static_cast<double>(last_epoch_));
  if (std::isfinite(best_)) put_double(out, "best", best_);
  put_double(out, "num_bad_epochs", static_cast<double>(num_bad_epochs_));
  put_double(out, "cooldown_counter", static_cast<double>(cooldown_counter_));
  out.emplace_back("mode", encode_name(o.mode_));
  put_double(out, "factor", o.factor_);
  put_double(out, "patience", static_cast<double>(o.patience_));
  put_double(out, "threshold", o.threshold_);
  out.emplace_back("threshold_mode", encode_name(o.threshold_mode_));
  put_double(out, "cooldown", static_cast<double>(o.cooldown_));
  put_double(out, "min_lr", o.min_lr_);
  put_double(out, "eps", o.eps_);
  return out;
}

void ReduceLROnPlateau::load_state_dict(const NamedTensors& dict) {
  StateDictReader r(dict, "ReduceLROnPlateau.load_state_dict");
  r.expect_name("kind", kind());
  constexpr int64_t big = int64_t{1} << 60;
  const int64_t last_epoch = r.get_int("last_epoch", 0, big);
  ReduceLROnPlateauOptions o;
  o.mode_ = r.get_name("mode");
  o.factor_ = r.get_double("factor");
  o.patience_ = r.get_int("patience", 0, big);
  o.threshold_ = r.get_double("threshold");
  o.threshold_mode_ = r.get_name("threshold_mode");
  o.cooldown_ = r.get_int("cooldown", 0, big);
  o.min_lr_ = r.get_double("min_lr");
  o.eps_ = r.get_double("eps");
  check(o, r.what());
  const double best = r.has("best") ? r.get_double("best") : worst(o.mode_);
  const int64_t bad = r.get_int("num_bad_epochs", 0, big), cooldown = r.get_int("cooldown_counter", 0, big);
  r.expect_all_read();
  options_ = o;
  last_epoch_ = last_epoch;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
}

}  // namespace janus::optim
