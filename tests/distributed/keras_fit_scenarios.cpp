// Keras fit() under `mpirun -np N` (issue 10 item 3), run by ctest through run_mpi.sh: a small
// CNN with BatchNormalization().synchronized(true), fit(x, y) with shuffling, validation data,
// CSVLogger and ModelCheckpoint, then evaluate() and predict(). Every rank computes the
// one-process reference itself (on a SingleProcessGroup, all of x) and compares: the History
// (loss, accuracy, val_*), the weights and moving statistics, evaluate's scores, predict's
// output; the replicas are identical; and only rank 0 printed and wrote files.
// Usage: keras_fit_scenarios fit | fit_bitwise.
#include <janus/core/deterministic.h>
#include <janus/core/error.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>
#include <janus/distributed/distributed.h>
#include <janus/distributed/reducer.h>
#include <janus/keras/keras.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace janus;
namespace kl = janus::keras::layers;
namespace fs = std::filesystem;

// Average pooling, not max pooling: with max pooling two values of a window within rounding of
// a tie route the gradient to either one, a jump no tolerance covers (seen at -np 4 with one
// data seed: 1e-3 in conv weights after one step, BN's dgamma unchanged). Average pooling keeps
// the gradient continuous away from ReLU kinks; deterministic mode is exact either way.
keras::Sequential make_model() {
  keras::Sequential m({kl::Input({8, 8, 3}), kl::Conv2D(8, 3).padding("same").use_bias(false),
                       kl::BatchNormalization().synchronized(true), kl::ReLU(), kl::AveragePooling2D(2),
                       kl::Conv2D(16, 3).padding("same").use_bias(false), kl::BatchNormalization().synchronized(true),
                       kl::ReLU(), kl::AveragePooling2D(2), kl::Flatten(), kl::Dense(10)});
  // The same initial weights on every rank and for the reference (fit's broadcast from rank 0
  // would also fix different ones, but the reference needs rank 0's).
  Generator gen(7);
  NamedTensors w = m.get_weights();
  for (auto& [name, t] : w) {
    if (name.find("kernel") == std::string::npos) continue;  // gamma 1, beta 0, moving stats as built
    const Tensor r = uniform(t.shape(), -0.4f, 0.4f, &gen);
    std::memcpy(t.data(), r.data(), sizeof(float) * t.numel());
  }
  m.set_weights(w);
  m.compile(keras::optimizers::SGD(0.05).momentum(0.9), keras::Loss("sparse_categorical_crossentropy").from_logits(true),
            {"accuracy"});
  return m;
}

void make_data(int64_t n, uint64_t seed, Tensor& x, Tensor& y) {
  Generator gen(seed);
  x = randn({n, 8, 8, 3}, &gen);
  y = empty({n});
  for (int64_t i = 0; i < n; ++i) y.data()[i] = static_cast<float>(static_cast<int64_t>(gen.uniform() * 10) % 10);
}

// max |a - b| / max |b|: norm-wise, as tests/support/close.h's IsClose.
double rel_diff(const Tensor& a, const Tensor& b) {
  double d = 0, s = 0;
  for (int64_t k = 0; k < a.numel(); ++k) {
    d = std::max(d, std::fabs(static_cast<double>(a.data()[k]) - b.data()[k]));
    s = std::max(s, std::fabs(static_cast<double>(b.data()[k])));
  }
  return s > 0 ? d / s : d;
}

int fit_scenario(bool bitwise) {
  auto pg = process_group_ptr();
  const int r = pg->rank(), p = pg->size();
  const std::string where = fmt::format("rank {} of {}", r, p);
  if (bitwise) set_deterministic(true);
  set_num_threads(1);
  // Bitwise: 2^k samples per rank (the deterministic tree's condition). Otherwise batch 20:
  // uneven at -np 3 (7, 7, 6); validation 30 = batches of 20 and 10 (at -np 4: 5 and 2-3).
  const int64_t n = bitwise ? 128 : 120, batch = bitwise ? 32 : 20;
  Tensor x, y, xv, yv;
  make_data(n, 1, x, y);
  make_data(30, 2, xv, yv);
  const auto opts = [&](const std::string& dir) {
    namespace cb = keras::callbacks;
    return keras::FitOptions()
        .epochs(3)
        .batch_size(batch)
        .seed(5)
        .validation_data(xv, yv)
        .verbose(1)
        .callbacks({std::make_shared<cb::CSVLogger>(dir + "/history.csv"),
                    std::make_shared<cb::ModelCheckpoint>(dir + "/best.safetensors", "val_loss")});
  };
  const std::string base = "keras_fit_out";
  if (r == 0) fs::remove_all(base);  // an earlier run's files
  pg->barrier();
  // Reference: one process, all of x.
  set_process_group(std::make_shared<SingleProcessGroup>());
  const std::string ref_dir = fmt::format("{}/reference{}", base, r);
  fs::create_directories(ref_dir);
  keras::Sequential ref = make_model();
  std::ostringstream ref_log;
  ref.set_output(&ref_log);
  const keras::History href = ref.fit(x, y, opts(ref_dir));
  const keras::Scores sref = ref.evaluate(xv, yv, 16);
  const Tensor pref = ref.predict(xv, 16);
  // Data parallel: a rank writes, if at all, to its own directory.
  set_process_group(pg);
  const std::string dir = fmt::format("{}/rank{}", base, r);
  if (r == 0) fs::create_directories(dir);
  keras::Sequential model = make_model();
  std::ostringstream log;
  model.set_output(&log);
  const keras::History h = model.fit(x, y, opts(dir));
  const keras::Scores s = model.evaluate(xv, yv, 16);
  const Tensor pred = model.predict(xv, 16);
  pg->barrier();

  // The logs: a step's loss is the ranks' float32 means over their shards, summed in double,
  // against one float32 mean over the batch: they differ by about batch x eps (20 x 1.2e-7),
  // bound 1e-5 (84 eps). Accuracies count argmax hits: a logit pair within rounding of a tie
  // may flip, so they must agree to one sample of the epoch's count (exactly when bitwise).
  for (const auto& [k, ref_v] : href.history) {
    const auto& got = h.history.at(k);
    const bool acc = k.find("accuracy") != std::string::npos;
    const double one_sample = 1.0 / static_cast<double>(k.rfind("val_", 0) == 0 ? xv.size(0) : n);
    for (size_t e = 0; e < ref_v.size(); ++e) {
      const double bound = acc ? (bitwise ? 0.0 : 1.001 * one_sample) : 1e-5 * std::fabs(ref_v[e]);
      JANUS_CHECK(std::fabs(got[e] - ref_v[e]) <= bound, "{}: {} at epoch {}: {} vs one process {} (bound {})", where,
                  k, e + 1, got[e], ref_v[e], bound);
    }
  }
  // Weights and moving statistics after 18 SGD steps: rel 1e-5 of each tensor's size (the
  // bound of the torch DDP proof, dist_scenarios syncbn_equals_single; printed below),
  // bit for bit in deterministic mode. The replicas are identical: every rank applies the
  // same summed gradient.
  const NamedTensors wr = ref.get_weights(), w = model.get_weights();
  JANUS_CHECK(w.size() == wr.size(), "{}: {} weights vs {}", where, w.size(), wr.size());
  double worst = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const double d = rel_diff(w[i].second, wr[i].second);
    worst = std::max(worst, d);
    JANUS_CHECK(bitwise ? d == 0.0 : d <= 1e-5, "{}: weight {} differs from one process by rel {:.3e}", where,
                w[i].first, d);
    const uint64_t mine = distributed::tensor_checksum(w[i].second);
    std::vector<uint64_t> all(static_cast<size_t>(p));
    pg->allgather(&mine, sizeof(mine), all.data());
    for (int q = 1; q < p; ++q)
      JANUS_CHECK(all[static_cast<size_t>(q)] == all[0], "{}: after fit rank {} holds another {} than rank 0", where, q,
                  w[i].first);
  }
  // evaluate() shards and sums over ranks; predict() runs all of x on every rank.
  for (size_t i = 0; i < sref.size(); ++i)
    JANUS_CHECK(std::fabs(s[i] - sref[i]) <= (bitwise && i > 0 ? 0.0 : 1e-5 * std::fabs(sref[i])),
                "{}: evaluate score {} ({}): {} vs one process {}", where, i, sref.names()[i], s[i], sref[i]);
  JANUS_CHECK(rel_diff(pred, pref) <= (bitwise ? 0.0 : 1e-5), "{}: predict differs from one process by rel {:.3e}",
              where, rel_diff(pred, pref));
  // Only rank 0 printed and wrote.
  if (r == 0) {
    JANUS_CHECK(fs::exists(dir + "/history.csv") && fs::exists(dir + "/best.safetensors"),
                "{}: rank 0 did not write history.csv and best.safetensors", where);
    JANUS_CHECK(log.str().find("Epoch 3/3") != std::string::npos, "{}: rank 0 printed no progress:\n{}", where,
                log.str());
  } else {
    JANUS_CHECK(!fs::exists(dir), "{}: a rank other than 0 wrote {}", where, dir);
    JANUS_CHECK(log.str().empty(), "{}: a rank other than 0 printed:\n{}", where, log.str());
  }
  // Sharding: without shuffling, global batch k is rows [k B, (k + 1) B) and this rank's part
  // of it shard_range(.., r, p). Every other row of x and of the validation data is NaN on
  // this rank: the same History as one process on clean data proves fit() and its
  // validation touch this rank's rows only (a rank fitting all rows would log NaN).
  if (p > 1) {
    const auto poison = [&](const Tensor& a, int64_t b) {
      Tensor out = a.clone();
      const int64_t row = a.numel() / a.size(0);
      for (int64_t k = 0; k * b < a.size(0); ++k) {
        const int64_t lo = k * b, hi = std::min(a.size(0), lo + b);
        const auto [mlo, mhi] = shard_range(hi - lo, r, p);
        for (int64_t i = lo; i < hi; ++i)
          if (i < lo + mlo || i >= lo + mhi) std::fill(out.data() + i * row, out.data() + (i + 1) * row, NAN);
      }
      return out;
    };
    auto plain = [&](const Tensor& vx) {
      return keras::FitOptions().epochs(2).batch_size(batch).shuffle(false).validation_data(vx, yv).verbose(0);
    };
    set_process_group(std::make_shared<SingleProcessGroup>());
    keras::Sequential ref2 = make_model();
    const keras::History h1 = ref2.fit(x, y, plain(xv));
    set_process_group(pg);
    keras::Sequential sharded = make_model();
    const keras::History hp = sharded.fit(poison(x, batch), y, plain(poison(xv, batch)));
    for (const auto& [k, ref_v] : h1.history)
      for (size_t e = 0; e < ref_v.size(); ++e)
        JANUS_CHECK(std::fabs(hp.history.at(k)[e] - ref_v[e]) <=
                        (k.find("accuracy") == std::string::npos ? 1e-5 * std::fabs(ref_v[e])
                                                                 : 1.001 / (k.rfind("val_", 0) == 0 ? 30.0 : n)),
                    "{}: fit on data that is NaN outside this rank's shards: {} at epoch {} is {} (one process on "
                    "clean data: {}): fit() read rows of other ranks", where, k, e + 1, hp.history.at(k)[e], ref_v[e]);
  }
  std::printf("%s: keras fit with synchronized BN equals one process (%s; weights within rel %.2e): loss %.6f -> %.6f, "
              "val_accuracy %.4f\n",
              where.c_str(), bitwise ? "bit for bit" : "rel 1e-5", worst, h.history.at("loss").front(),
              h.history.at("loss").back(), h.history.at("val_accuracy").back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return janus::distributed::run(argc, argv, [&]() -> int {
    const std::string s = argc > 1 ? argv[1] : "";
    if (s == "fit") return fit_scenario(false);
    if (s == "fit_bitwise") return fit_scenario(true);
    JANUS_FAIL("keras_fit_scenarios: unknown scenario '{}'", s);
  });
}
