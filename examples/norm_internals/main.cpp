// norm_internals: a guided tour of normalization in the terminal, with real numbers, for
// a learner. Seven steps: BN forward on a tiny batch; the running-statistic update under
// PyTorch's and Keras' conventions; training vs inference outputs; the three terms of the
// backward pass; per-channel norm on the same data; the seed's two per-channel snippets
// and why they differ; BN folded into a convolution. Each step names the janus source that
// does the work, and checks the hand computation against it.
//
//   norm_internals            # the whole tour
//   norm_internals --step 4   # one step
#include "common/cli.h"

#include <janus/core/autograd.h>
#include <janus/core/fold_bn.h>
#include <janus/core/ops.h>
#include <janus/core/ops/norm.h>
#include <janus/core/random.h>

#include <fmt/format.h>

#include <cmath>
#include <vector>

using namespace janus;

namespace {

// x (N=4, C=2, H=1, W=2): channel 0 holds 1..8-ish values, channel 1 a wider spread.
const std::vector<float> kX = {1, 2, /**/ 10, -10,   //
                               3, 4, /**/ 20, 0,     //
                               5, 6, /**/ -5, 5,     //
                               7, 9, /**/ 15, 25};
const Shape kShape = {4, 2, 1, 2};
constexpr double kEps = 1e-5;

void heading(int n, const std::string& title, const std::string& source) {
  fmt::print("\n\033[1m== Step {}: {}\033[0m\n   janus source: {}\n\n", n, title, source);
}

// Values of channel c of x (N, C, H, W), in (n, h, w) order.
std::vector<double> channel_values(const Tensor& x, int64_t c) {
  std::vector<double> v;
  const int64_t n = x.size(0), ch = x.size(1), inner = x.numel() / (n * ch);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < inner; ++j) v.push_back(x.data()[(i * ch + c) * inner + j]);
  return v;
}

void moments(const std::vector<double>& v, double& mean, double& var_biased, double& var_unbiased) {
  mean = 0;
  for (double a : v) mean += a;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double a : v) ss += (a - mean) * (a - mean);
  var_biased = ss / static_cast<double>(v.size());
  var_unbiased = ss / static_cast<double>(v.size() - 1);
}

std::string vec_str(const std::vector<double>& v, int prec = 4) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{:.{}f}", i ? ", " : "", v[i], prec);
  return s + "]";
}

void step1_forward() {
  heading(1, "batch norm forward on a tiny batch", "core/src/ops/norm_kernels.cpp (fused), core/src/ops/norm_reference.cpp (teaching)");
  Tensor x = from_vector(kX, kShape);
  fmt::print("x has shape [4, 2, 1, 2] (N, C, H, W). BN takes one mean and one variance PER CHANNEL,\n"
             "over every sample and every position: m = N*H*W = 8 values per channel.\n\n");
  for (int64_t c = 0; c < 2; ++c) {
    auto v = channel_values(x, c);
    double mean, vb, vu;
    moments(v, mean, vb, vu);
    fmt::print("channel {}: values {}\n", c, vec_str(v, 1));
    fmt::print("  mean              = sum / m           = {:.4f}\n", mean);
    fmt::print("  biased variance   = sum (x-mean)^2 / m     = {:.4f}   <- used to normalize (both frameworks)\n", vb);
    fmt::print("  unbiased variance = sum (x-mean)^2 / (m-1) = {:.4f}   <- PyTorch feeds this into running_var\n", vu);
    std::vector<double> xhat;
    for (double a : v) xhat.push_back((a - mean) / std::sqrt(vb + kEps));
    fmt::print("  x_hat = (x - mean) / sqrt(var + eps) = {}\n", vec_str(xhat));
  }
  Tensor rm = zeros({2}), rv = ones({2});
  Tensor y = normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm(), true);
  Tensor yr = normalize_reference(x, Tensor(), Tensor(), zeros({2}), ones({2}), Tensor(),
                                  NormOptions::torch_batch_norm(), true);
  fmt::print("\njanus normalize(x) channel 0 = {}\n", vec_str(channel_values(y, 0)));
  fmt::print("fused kernel vs primitive-op reference: max |diff| = {:.2e}\n", max_abs_diff(y, yr));
  fmt::print("every channel of x_hat now has mean 0 and (biased) variance 1; gamma and beta (1 and 0 here)\n"
             "then give the layer back the scale and shift it wants: y = gamma * x_hat + beta.\n");
}

void step2_running() {
  heading(2, "the running statistics: PyTorch's and Keras' conventions side by side",
          "core/src/ops/norm.cpp (running-statistics update, presets torch_batch_norm / keras_batch_norm)");
  Tensor x = from_vector(kX, kShape);
  double mean, vb, vu;
  moments(channel_values(x, 0), mean, vb, vu);
  Tensor trm = zeros({2}), trv = ones({2}), krm = zeros({2}), krv = ones({2});
  normalize(x, Tensor(), Tensor(), trm, trv, Tensor(), NormOptions::torch_batch_norm(), true);
  normalize(x, Tensor(), Tensor(), krm, krv, Tensor(), NormOptions::keras_batch_norm(), true);
  fmt::print("Both start from mean 0, variance 1. After ONE training step on x (channel 0: batch mean {:.4f},\n"
             "biased var {:.4f}, unbiased var {:.4f}):\n\n", mean, vb, vu);
  fmt::print("  {:<22} {:<44} {:<44}\n", "", "PyTorch BatchNorm2d (momentum=0.1)", "Keras BatchNormalization (momentum=0.99)");
  fmt::print("  {:<22} {:<44} {:<44}\n", "momentum means", "weight of the NEW batch", "weight of the OLD value");
  fmt::print("  {:<22} {:<44} {:<44}\n", "running mean",
             fmt::format("0.9*0 + 0.1*{:.4f} = {:.4f}", mean, 0.1 * mean),
             fmt::format("0.99*0 + 0.01*{:.4f} = {:.4f}", mean, 0.01 * mean));
  fmt::print("  {:<22} {:<44} {:<44}\n", "running variance",
             fmt::format("0.9*1 + 0.1*{:.4f} (unbiased) = {:.4f}", vu, 0.9 + 0.1 * vu),
             fmt::format("0.99*1 + 0.01*{:.4f} (biased) = {:.4f}", vb, 0.99 + 0.01 * vb));
  fmt::print("  {:<22} {:<44} {:<44}\n", "janus says",
             fmt::format("mean {:.4f}, var {:.4f}", trm.data()[0], trv.data()[0]),
             fmt::format("mean {:.4f}, var {:.4f}", krm.data()[0], krv.data()[0]));
  fmt::print("\nPorting a model: PyTorch momentum a = 1 - Keras momentum (0.1 <-> 0.9, NOT 0.99), carry eps over\n"
             "(1e-5 vs 1e-3), and remember the stored variance differs by m/(m-1) = {:.4f} here.\n", 8.0 / 7.0);
}

void step3_train_vs_eval() {
  heading(3, "training vs inference outputs", "core/src/ops/norm.cpp (StatsSource::auto_: batch stats in training, running in eval)");
  Tensor x = from_vector(kX, kShape);
  Tensor rm = zeros({2}), rv = ones({2});
  Tensor y_train = normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm(), true);
  Tensor y_eval1 = normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm(), false);
  fmt::print("same x, channel 0:\n  train() output (batch stats):          {}\n", vec_str(channel_values(y_train, 0)));
  fmt::print("  eval() after 1 step (running stats):    {}\n", vec_str(channel_values(y_eval1, 0)));
  for (int i = 1; i < 100; ++i)
    normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm(), true);
  Tensor y_eval100 = normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm(), false);
  fmt::print("  eval() after 100 steps on this batch:   {}\n", vec_str(channel_values(y_eval100, 0)));
  fmt::print("\nAfter one step the running averages are still near their start (0, 1), so eval() output is far\n"
             "from train() output: the classic 'my model is great in training and bad in eval' trap. Even after\n"
             "100 steps eval() differs by the factor sqrt(biased/unbiased) = sqrt(7/8) = {:.4f}, because the\n"
             "running variance is the unbiased one. Max |train - eval| now: {:.4f}.\n",
             std::sqrt(7.0 / 8.0), max_abs_diff(y_train, y_eval100));
}

void step4_backward() {
  heading(4, "the three terms of the backward pass", "core/src/ops/norm_kernels.cpp (closed-form backward); derivation in docs/normalization.md");
  Tensor x = from_vector(kX, kShape).requires_grad_();
  Tensor gamma = from_vector({1.5f, 0.5f}, {2}).requires_grad_();
  Tensor beta = from_vector({0.1f, -0.2f}, {2}).requires_grad_();
  Generator gen(4);
  Tensor dy = randn(kShape, &gen);
  Tensor y = normalize(x, gamma, beta, zeros({2}), ones({2}), Tensor(), NormOptions::torch_batch_norm(), true);
  y.backward(dy);
  auto v = channel_values(x.detach(), 0);
  auto g = channel_values(dy, 0);
  double mean, vb, vu;
  moments(v, mean, vb, vu);
  const double rstd = 1.0 / std::sqrt(vb + kEps), m = static_cast<double>(v.size());
  std::vector<double> xhat;
  double dbeta = 0, dgamma = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    xhat.push_back((v[i] - mean) * rstd);
    dbeta += g[i];
    dgamma += g[i] * xhat[i];
  }
  fmt::print("For channel 0 with upstream gradient dy = {}:\n", vec_str(g));
  fmt::print("  dbeta  = sum(dy)         = {:+.4f}   janus: {:+.4f}\n", dbeta, beta.grad().data()[0]);
  fmt::print("  dgamma = sum(dy * x_hat) = {:+.4f}   janus: {:+.4f}\n", dgamma, gamma.grad().data()[0]);
  fmt::print("  dx = gamma * rstd / m * (  m*dy        [the direct path]\n"
             "                           - dbeta       [every x moved the mean]\n"
             "                           - x_hat*dgamma [every x moved the variance] )\n");
  std::vector<double> t1, t2, t3, dx;
  const double k = 1.5 * rstd / m;
  for (size_t i = 0; i < v.size(); ++i) {
    t1.push_back(k * m * g[i]);
    t2.push_back(-k * dbeta);
    t3.push_back(-k * xhat[i] * dgamma);
    dx.push_back(t1.back() + t2.back() + t3.back());
  }
  fmt::print("  term 1 (direct):    {}\n  term 2 (mean):      {}\n  term 3 (variance):  {}\n", vec_str(t1),
             vec_str(t2), vec_str(t3));
  fmt::print("  sum = dx by hand:   {}\n  dx from janus:      {}\n", vec_str(dx), vec_str(channel_values(x.grad(), 0)));
  double sum_dx = 0;
  for (double d : dx) sum_dx += d;
  fmt::print("Terms 2 and 3 remove from dy its mean and its component along x_hat: the gradient of a BN input\n"
             "sums to zero per channel (here {:+.1e}) and is orthogonal to x_hat. A loss like sum(y) therefore\n"
             "has zero gradient through BN -- the classic trap when checking gradients.\n", sum_dx);
}

void step5_per_channel() {
  heading(5, "per-channel normalization on the same data", "core/src/ops/norm_kernels.cpp (NormAxes::instance), layers/ PerChannelStdNorm");
  Tensor x = from_vector(kX, kShape);
  Tensor yb = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::torch_batch_norm(), true);
  Tensor yi = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::torch_instance_norm(), true);
  fmt::print("Per-channel (instance) norm takes its statistics per SAMPLE and per channel, over H*W = 2 values\n"
             "only; BN pools the same channel over the batch (8 values). Channel 0 of sample 0 is [1, 2]:\n");
  fmt::print("  BN output:          {}   (sample 0 is small relative to the batch)\n",
             vec_str({yb.at({0, 0, 0, 0}), yb.at({0, 0, 0, 1})}));
  fmt::print("  per-channel output: {}   (every sample becomes +-1: the absolute level is gone)\n",
             vec_str({yi.at({0, 0, 0, 0}), yi.at({0, 0, 0, 1})}));
  Tensor yi_eval = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::torch_instance_norm(), false);
  fmt::print("It keeps no running statistics, so train and eval agree (max |diff| {:.1e}) and a sample's output\n"
             "never depends on the other samples of its batch: that is why it works at batch size 1, and why\n"
             "it throws away per-image contrast and brightness that BN keeps.\n",
             max_abs_diff(yi, yi_eval));
  fmt::print("NB: the seed's sentence 'BN normalizes across channels and spatial dimensions' is wrong: BN also\n"
             "keeps channels separate; the difference is that BN pools over the BATCH.\n");
}

void step6_seed_snippets() {
  heading(6, "the seed's two per-channel snippets, and why they differ",
          "core/include/janus/core/ops/norm.h (EpsPlacement), presets seed_keras_per_channel / seed_torch_per_channel");
  fmt::print("Keras Lambda: (x - mean) / (tf.math.reduce_std(x, [1, 2]) + 1e-7)   biased std (divide by m)\n"
             "PyTorch:      (x - mean) / (x.std((2, 3)) + 1e-7)                     UNBIASED std (divide by m-1)\n"
             "InstanceNorm2d:(x - mean) / sqrt(biased var + 1e-5)                  eps inside the root\n\n");
  Generator gen(6);
  for (int64_t hw : {2, 32}) {
    Tensor x = randn({1, 1, hw, hw}, &gen);
    Tensor yk = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::seed_keras_per_channel(), true);
    Tensor yt = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::seed_torch_per_channel(), true);
    Tensor yin = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::torch_instance_norm(), true);
    const double m = static_cast<double>(hw * hw);
    const double rel = std::fabs(yk.data()[0] - yt.data()[0]) / std::fabs(yk.data()[0]);
    fmt::print("{}x{} map (m = {:>4}): Keras snippet {:+.5f}, PyTorch snippet {:+.5f}, InstanceNorm {:+.5f} (first value)\n",
               hw, hw, static_cast<int>(m), yk.data()[0], yt.data()[0], yin.data()[0]);
    fmt::print("     relative difference {:.3f}% = 1 - sqrt((m-1)/m) = {:.3f}%\n", 100 * rel,
               100 * (1 - std::sqrt((m - 1) / m)));
  }
  fmt::print("The two snippets are not the same function: the unbiased std is larger by sqrt(m/(m-1)), so the\n"
             "outputs differ by about 13% on a 2x2 map and 0.05% on 32x32. The seed's PyTorch functional\n"
             "version also calls .view() on a possibly non-contiguous tensor, which fails for channels-last\n"
             "input; janus' op takes any axes.\n");
}

void step7_fold() {
  heading(7, "batch norm folded into the convolution before it", "core/src/passes/fold_bn.cpp (fold_batch_norm), graph pass fold_batchnorm");
  Generator gen(7);
  Tensor x = randn({2, 3, 5, 5}, &gen);
  Tensor w = randn({4, 3, 3, 3}, &gen) * 0.3f;
  Tensor gamma = uniform({4}, 0.5f, 1.5f, &gen), beta = uniform({4}, -0.5f, 0.5f, &gen);
  Tensor rm = uniform({4}, -0.2f, 0.2f, &gen), rv = uniform({4}, 0.5f, 2.0f, &gen);
  NoGradGuard no_grad;
  auto conv_opts = Conv2dOptions().padding(1);
  Tensor y_two = normalize(conv2d(x, w, Tensor(), conv_opts), gamma, beta, rm, rv, Tensor(),
                           NormOptions::torch_batch_norm(), false);
  FoldedConv f = fold_batch_norm(w, Tensor(), gamma, beta, rm, rv, kEps);
  Tensor y_one = conv2d(x, f.weight, f.bias, conv_opts);
  fmt::print("In eval() BN is a fixed per-channel affine map y = s*x + t with s = gamma / sqrt(running_var + eps)\n"
             "and t = beta - running_mean * s. So conv then BN = one conv with weight W*s (per output channel)\n"
             "and bias t:\n");
  for (int64_t c = 0; c < 4; ++c) {
    const double s = gamma.data()[c] / std::sqrt(rv.data()[c] + kEps);
    fmt::print("  channel {}: s = {:.4f}, t = {:+.4f}, folded bias = {:+.4f}\n", c, s, beta.data()[c] - rm.data()[c] * s,
               f.bias.data()[c]);
  }
  fmt::print("conv+BN vs folded conv on a [2, 3, 5, 5] input: max |diff| = {:.2e} -- one op and one pass fewer.\n"
             "(Only valid in eval(): in training BN's statistics change with every batch.)\n",
             max_abs_diff(y_two, y_one));
}

}  // namespace

int main(int argc, char** argv) {
  int step = 0;
  CLI::App app{"norm_internals: a guided tour of batch and per-channel normalization, with real numbers"};
  app.add_option("--step", step, "run only this step (1-7); 0 runs them all")->capture_default_str();
  if (int rc = examples::parse_flags(app, argc, argv); rc >= 0) return rc;
  return examples::run_reporting_errors("norm_internals", [&] {
    JANUS_CHECK(step >= 0 && step <= 7, "--step: expected 0..7 (got {})", step);
    void (*steps[])() = {step1_forward, step2_running, step3_train_vs_eval, step4_backward, step5_per_channel,
                         step6_seed_snippets, step7_fold};
    for (int i = 1; i <= 7; ++i)
      if (step == 0 || step == i) steps[i - 1]();
    return 0;
  });
}
