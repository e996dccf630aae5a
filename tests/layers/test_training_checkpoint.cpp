// Training checkpoints (model + optimizer + scheduler + epoch in one safetensors file): a
// tiny MLP with BatchNorm trained 4 "epochs" straight must equal 2 epochs, save, a fresh
// model/optimizer/scheduler loading the file, and 2 more epochs -- bit for bit, for SGD
// momentum with a per-step schedule and for Adam. Plus the file layout, the errors and the
// run settings a resume must repeat.
#include <janus/core/error.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/random.h>
#include <janus/layers/activation.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

using namespace janus;
using Catch::Matchers::Contains;

namespace {

std::shared_ptr<nn::Sequential> make_net(uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(nn::LinearOptions(4, 8).generator(&gen)),
      std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(8)), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(nn::LinearOptions(8, 3).generator(&gen))});
}

// Epoch e, batch b: 6 inputs and labels drawn from Generator(100 e + b) (as a seeded loader).
void train_epoch(nn::Module& net, optim::Optimizer& opt, optim::LRScheduler* sched, int64_t epoch) {
  net.train();
  for (int64_t b = 0; b < 3; ++b) {
    Generator gen(static_cast<uint64_t>(100 * epoch + b));
    const Tensor x = randn({6, 4}, &gen);
    const Tensor y = from_vector({0, 1, 2, 0, 1, 2}, {6});
    opt.zero_grad();
    Tensor loss = cross_entropy(net(x), y);
    loss.backward();
    opt.step();
    if (sched) sched->step();
  }
}

bool same_bits(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].second.shape() != b[i].second.shape()) return false;
    if (std::memcmp(a[i].second.data(), b[i].second.data(), sizeof(float) * a[i].second.numel()) != 0) return false;
  }
  return true;
}

struct Run {
  std::shared_ptr<nn::Sequential> net;
  std::unique_ptr<optim::Optimizer> opt;
  std::unique_ptr<optim::LRScheduler> sched;
};

using MakeRun = std::function<Run(uint64_t seed)>;

void check_resume(const MakeRun& make, const std::string& path) {
  Run straight = make(1);
  for (int64_t e = 0; e < 4; ++e) train_epoch(*straight.net, *straight.opt, straight.sched.get(), e);

  Run first = make(1);
  for (int64_t e = 0; e < 2; ++e) train_epoch(*first.net, *first.opt, first.sched.get(), e);
  nn::save_training_checkpoint(path, *first.net, *first.opt, first.sched.get(), 2);

  Run resumed = make(2);  // other initial weights: everything must come from the file
  REQUIRE_FALSE(same_bits(resumed.net->state_dict(), first.net->state_dict()));
  const int64_t start = nn::load_training_checkpoint(path, *resumed.net, *resumed.opt, resumed.sched.get());
  CHECK(start == 2);
  CHECK(same_bits(resumed.net->state_dict(), first.net->state_dict()));
  for (int64_t e = start; e < 4; ++e) train_epoch(*resumed.net, *resumed.opt, resumed.sched.get(), e);
  CHECK(same_bits(resumed.net->state_dict(), straight.net->state_dict()));
  CHECK(same_bits(resumed.opt->state_dict(), straight.opt->state_dict()));
  CHECK(resumed.opt->lr() == straight.opt->lr());

  // Without the optimizer state the continuation differs (the check above can fail).
  Run weights_only = make(2);
  weights_only.net->load_state_dict(first.net->state_dict());
  for (int64_t e = 2; e < 4; ++e) train_epoch(*weights_only.net, *weights_only.opt, weights_only.sched.get(), e);
  CHECK_FALSE(same_bits(weights_only.net->state_dict(), straight.net->state_dict()));
  std::remove(path.c_str());
}

Run make_sgd_run(uint64_t seed) {
  Run r;
  r.net = make_net(seed);
  r.opt = std::make_unique<optim::SGD>(r.net->parameters(), optim::SGDOptions(0.1).momentum(0.9).weight_decay(5e-4));
  r.sched = std::make_unique<optim::LambdaLR>(*r.opt, optim::warmup_cosine(3, 12));
  return r;
}

}  // namespace

TEST_CASE("training checkpoint resume is bit exact with SGD momentum and a schedule", "[checkpoint][resume]") {
  check_resume(make_sgd_run, "test_resume_sgd.safetensors");
}

TEST_CASE("training checkpoint resume is bit exact with Adam", "[checkpoint][resume]") {
  check_resume(
      [](uint64_t seed) {
        Run r;
        r.net = make_net(seed);
        r.opt = std::make_unique<optim::Adam>(r.net->parameters(), optim::AdamOptions(0.01).amsgrad(true));
        return r;
      },
      "test_resume_adam.safetensors");
}

TEST_CASE("training checkpoint file layout", "[checkpoint][resume]") {
  const std::string path = "test_resume_layout.safetensors";
  Run r = make_sgd_run(1);
  train_epoch(*r.net, *r.opt, r.sched.get(), 0);
  nn::save_training_checkpoint(path, *r.net, *r.opt, r.sched.get(), 1);
  const SafetensorsFile f = read_safetensors(path);
  CHECK(f.metadata.at("format") == "janus.training_checkpoint");
  CHECK(f.metadata.at("optimizer") == "SGD");
  CHECK(f.metadata.at("scheduler") == "LambdaLR");
  CHECK(f.metadata.at("epoch") == "1");
  std::vector<std::string> keys;
  for (const auto& kv : f.tensors) keys.push_back(kv.first);
  for (const char* key : {"model.0.weight", "model.1.running_mean", "model.1.num_batches_tracked", "model.3.bias",
                          "optimizer.kind", "optimizer.step", "optimizer.param_groups.0.lr",
                          "optimizer.state.0.momentum_buffer", "scheduler.last_epoch", "scheduler.base_lrs", "epoch"}) {
    INFO(key);
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  }
  std::remove(path.c_str());
}

TEST_CASE("training checkpoint load errors name the file and change nothing", "[checkpoint][resume]") {
  const std::string path = "test_resume_errors.safetensors";
  Run saved = make_sgd_run(1);
  train_epoch(*saved.net, *saved.opt, saved.sched.get(), 0);
  nn::save_training_checkpoint(path, *saved.net, *saved.opt, saved.sched.get(), 1);

  SECTION("a model whose shapes differ: optimizer and scheduler are put back") {
    Run other = make_sgd_run(2);
    auto wide = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(8)),
        std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(8, 3)});
    // The optimizer and scheduler load (same parameter shapes); the strict model load then
    // fails on the extra layer, after they were already restored.
    wide->push_back(std::make_shared<nn::Linear>(3, 3));
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *wide, *other.opt, other.sched.get()),
                      Contains(path) && Contains("4.weight"));
    CHECK(other.opt->steps() == 0);
    CHECK(other.sched->last_step() == 0);
    CHECK(other.opt->lr() == optim::warmup_cosine(3, 12)(0) * 0.1);
  }
  SECTION("an optimizer of another kind") {
    Run other = make_sgd_run(2);
    optim::Adam adam(other.net->parameters(), optim::AdamOptions());
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, adam, nullptr),
                      Contains(path) && Contains("scheduler"));
    optim::LambdaLR sched(adam, [](int64_t) { return 1.0; });
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, adam, &sched),
                      Contains(path) && Contains("key 'kind'") && Contains("expected 'Adam'") && Contains("got 'SGD'"));
  }
  SECTION("a scheduler given for a file without one") {
    Run plain = make_sgd_run(1);
    nn::save_training_checkpoint(path, *plain.net, *plain.opt, nullptr, 0);
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *plain.net, *plain.opt, plain.sched.get()),
                      Contains("expected a scheduler state"));
  }
  SECTION("a model-only file") {
    nn::save_state_dict(*saved.net, path);
    Run other = make_sgd_run(2);
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, *other.opt, other.sched.get()),
                      Contains("expected metadata format 'janus.training_checkpoint'") && Contains("nn::load_state_dict"));
  }
  std::remove(path.c_str());
}

TEST_CASE("training checkpoint run settings round trip and are checked on load", "[checkpoint][resume]") {
  const std::string path = "test_resume_settings.safetensors";
  const nn::RunSettings run = {{"--epochs", "4"}, {"--lr", "0.1"}, {"steps per epoch", "3"}};
  Run saved = make_sgd_run(1);
  train_epoch(*saved.net, *saved.opt, saved.sched.get(), 0);
  nn::save_training_checkpoint(path, *saved.net, *saved.opt, saved.sched.get(), 1, run);
  // In the safetensors metadata as run.<name>, next to the format keys.
  const SafetensorsFile f = read_safetensors(path);
  CHECK(f.metadata.at("run.--epochs") == "4");
  CHECK(f.metadata.at("run.steps per epoch") == "3");
  CHECK(f.metadata.at("format") == "janus.training_checkpoint");
  CHECK(nn::read_run_settings(path) == run);

  SECTION("the same settings restore everything") {
    Run other = make_sgd_run(2);
    CHECK(nn::load_training_checkpoint(path, *other.net, *other.opt, other.sched.get(), run) == 1);
    CHECK(other.opt->steps() == 3);
    CHECK(other.sched->last_step() == 3);
    // A subset is checked too; no expectations: no check (as before run settings existed).
    Run subset = make_sgd_run(2);
    CHECK(nn::load_training_checkpoint(path, *subset.net, *subset.opt, subset.sched.get(), {{"--lr", "0.1"}}) == 1);
    Run none = make_sgd_run(2);
    CHECK(nn::load_training_checkpoint(path, *none.net, *none.opt, none.sched.get()) == 1);
  }
  SECTION("a different value names the setting with both values and restores nothing") {
    Run other = make_sgd_run(2);
    const NamedTensors weights_before = other.net->state_dict();
    nn::RunSettings longer = run;
    longer["--epochs"] = "6";
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, *other.opt, other.sched.get(), longer),
                      Contains(path) && Contains("--epochs: the checkpoint has 4, given 6"));
    CHECK(other.opt->steps() == 0);
    CHECK(other.sched->last_step() == 0);
    CHECK(same_bits(other.net->state_dict(), weights_before));
  }
  SECTION("a setting the file does not record is a mismatch") {
    Run other = make_sgd_run(2);
    nn::RunSettings more = run;
    more["--batch"] = "64";
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, *other.opt, other.sched.get(), more),
                      Contains("--batch: the checkpoint does not record it (given 64)"));
    CHECK(other.opt->steps() == 0);
  }
  SECTION("a file saved without settings has none") {
    nn::save_training_checkpoint(path, *saved.net, *saved.opt, saved.sched.get(), 1);
    CHECK(nn::read_run_settings(path).empty());
    Run other = make_sgd_run(2);
    CHECK_THROWS_WITH(nn::load_training_checkpoint(path, *other.net, *other.opt, other.sched.get(), run),
                      Contains("does not record"));
  }
  CHECK_THROWS_WITH(nn::save_training_checkpoint(path, *saved.net, *saved.opt, saved.sched.get(), 1, {{"", "x"}}),
                    Contains("non-empty run setting names"));
  std::remove(path.c_str());
}
