// Recomputing BN statistics over the whole training set ("precise BN"): the running
// averages that BN keeps during training lag behind the weights, because each was taken
// with older weights; evaluating with freshly computed population statistics removes
// that lag. Each BN layer's statistics are accumulated exactly (sums in double) over all
// given batches while the model runs in training mode, as it did when those layers learned.
//
//   PopulationStats ps = recompute_population_stats(*net, [&](Tensor& x) { ... return more; });
//   ... evaluate ...;  ps.restore(*net);   // back to the running averages
#pragma once
#include <janus/layers/module.h>
#include <functional>
#include <string>
#include <vector>

namespace janus::training {

// Gives the next input batch (N, C, H, W); returns false when there are no more.
using BatchSource = std::function<bool(Tensor& x)>;

struct PopulationStats {
  std::vector<std::string> layers;   // BN layers that were updated, forward order
  std::vector<Tensor> old_means;     // their running statistics before the update
  std::vector<Tensor> old_vars;
  int64_t images = 0;                // how many inputs were seen
  // Puts the previous running statistics back.
  void restore(nn::Module& model) const;
};

// Sets every running mean to the population mean of the layer's input and every running
// variance to the unbiased population variance (m/(m-1) times the biased one, as PyTorch
// stores). The model's mode is restored afterwards. Throws when `next` yields nothing.
PopulationStats recompute_population_stats(nn::Module& model, const BatchSource& next);

}  // namespace janus::training
