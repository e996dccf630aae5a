// add_peak_lr_flag / resolve_peak_lr: --lr with a default that depends on --data.
#include "common/peak_lr.h"

namespace janus::examples {

void add_peak_lr_flag(CLI::App& app, double& lr) {
  app.add_option("--lr", lr, "peak learning rate (default 0.05 as the reference; 0.01 on synthetic data)");
}

double resolve_peak_lr(const CLI::App& app, const DataFlags& data, double lr) {
  if (app.count("--lr") > 0) return lr;
  return data.synthetic() ? kSyntheticPeakLr : kReferencePeakLr;
}

}  // namespace janus::examples
