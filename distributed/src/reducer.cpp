// Reducer: the model check (a description of every tensor gathered from all ranks and
// compared with rank 0's on every rank, so all raise the same error), the broadcasts, and the
// fused, count-weighted gradient allreduce.
#include <janus/core/deterministic.h>
#include <janus/core/error.h>
#include <janus/distributed/reducer.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>

namespace janus::distributed {

namespace {

// One line per tensor: "param features.0.weight [32, 3, 3, 3] <checksum>".
std::vector<std::string> describe(const NamedTensors& params, const NamedTensors& buffers, bool values) {
  std::vector<std::string> lines;
  auto add = [&](const char* kind, const NamedTensors& ts) {
    for (const auto& [name, t] : ts) {
      std::string line = fmt::format("{} {} {}", kind, name, shape_str(t.shape()));
      if (values) line += fmt::format(" checksum {:016x}", tensor_checksum(t));
      lines.push_back(std::move(line));
    }
  };
  add("parameter", params);
  add("buffer", buffers);
  return lines;
}

// Every rank's string, gathered (lengths first, then padded bytes).
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

std::vector<std::string> allgather_strings(ProcessGroup& g, const std::string& mine) {
  const int p = g.size();
  int64_t len = static_cast<int64_t>(mine.size());
  std::vector<int64_t> lens(p);
  g.allgather(&len, sizeof(int64_t), lens.data());
  const int64_t width = std::max<int64_t>(1, *std::max_element(lens.begin(), lens.end()));
  std::vector<char> send(width, '\0'), recv(static_cast<size_t>(width) * p);
  std::memcpy(send.data(), mine.data(), mine.size());
  g.allgather(send.data(), width, recv.data());
  std::vector<std::string> out(p);
  for (int r = 0; r < p; ++r) out[r].assign(recv.data() + static_cast<size_t>(r) * width, lens[r]);
  return out;
}

uint64_t tensor_checksum(const Tensor& t) {
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(t.data());
  const int64_t n = t.numel() * static_cast<int64_t>(sizeof(float));
  for (int64_t i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  return h;
}

Reducer::Reducer(nn::Module& module, std::shared_ptr<ProcessGroup> group, ReducerOptions options)
    : params_(module.named_parameters()), buffers_(module.named_buffers()), group_(std::move(group)),
      options_(options) {
  setup();
}

Reducer::Reducer(NamedTensors parameters, NamedTensors buffers, std::shared_ptr<ProcessGroup> group,
                 ReducerOptions options)
    : params_(std::move(parameters)), buffers_(std::move(buffers)), group_(std::move(group)), options_(options) {
  setup();
}

void Reducer::setup() {
  JANUS_CHECK(group_ != nullptr, "DistributedDataParallel: expected a process group (got null)");
  JANUS_CHECK(options_.bucket_bytes_ > 0, "DistributedDataParallel: bucket_bytes must be positive (got {})",
              options_.bucket_bytes_);
  check_same_model(false);  // shapes first: a broadcast into other shapes would be garbage
  broadcast_state();
  check_same_model(true);
  // Buckets in reverse registration order (the order backward produces gradients).
  std::vector<Tensor> params;
  for (const auto& [name, t] : params_) params.push_back(t);
  std::reverse(params.begin(), params.end());
  int64_t bytes = 0;
  for (const Tensor& p : params) {
    if (!p.requires_grad()) continue;
    const int64_t b = p.numel() * static_cast<int64_t>(sizeof(float));
    if (buckets_.empty() || bytes + b > options_.bucket_bytes_) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().push_back(p);
    bytes += b;
  }
}

void Reducer::check_same_model(bool values) {
  ProcessGroup& g = *group_;
  if (g.size() == 1) return;
  const std::vector<std::string> mine = describe(params_, buffers_, values);
  std::string joined;
  for (const auto& l : mine) joined += l + "\n";
  const std::vector<std::string> all = allgather_strings(g, joined);
  const std::vector<std::string> root = split_lines(all[0]);
  for (int r = 1; r < g.size(); ++r) {
    const std::vector<std::string> other = split_lines(all[r]);
    const size_t n = std::max(root.size(), other.size());
    for (size_t i = 0; i < n; ++i) {
      const std::string a = i < root.size() ? root[i] : "(nothing)";
      const std::string b = i < other.size() ? other[i] : "(nothing)";
      if (a == b) continue;
      JANUS_FAIL(
          "DistributedDataParallel: rank {} holds a different model than rank 0: {} #{} is '{}' on rank 0 but "
          "'{}' on rank {}{} (every rank must build the same model{})",
          r, a.rfind("buffer", 0) == 0 ? "buffer" : "parameter", i, a, b, r,
          values ? " after the broadcast from rank 0" : "", values ? " and buffers of the same values" : "");
    }
  }
}

void Reducer::broadcast_state() {
  if (group_->size() == 1) return;
  for (auto [name, t] : params_)
    group_->broadcast(t.data(), t.numel() * static_cast<int64_t>(sizeof(float)), 0);
  broadcast_buffers();
}

void Reducer::broadcast_buffers() {
  if (group_->size() == 1) return;
  std::vector<Tensor> bufs;
  for (const auto& [name, t] : buffers_) bufs.push_back(t);
  int64_t n = 0;
  for (const Tensor& t : bufs) n += t.numel();
  if (n == 0) return;
  flat_.resize(static_cast<size_t>(n));
  int64_t off = 0;
  for (const Tensor& t : bufs) {
    std::memcpy(flat_.data() + off, t.data(), sizeof(float) * t.numel());
    off += t.numel();
  }
  group_->broadcast(flat_.data(), n * static_cast<int64_t>(sizeof(float)), 0);
  off = 0;
  for (Tensor t : bufs) {
    std::memcpy(t.data(), flat_.data() + off, sizeof(float) * t.numel());
    off += t.numel();
  }
}

float Reducer::loss_scale(int64_t local_count) {
  JANUS_CHECK(local_count >= 0, "DistributedDataParallel: local batch size must be >= 0 (got {})", local_count);
  if (group_->size() == 1) {
    last_global_count_ = local_count;
    return 1.0f;
  }
  double counts = static_cast<double>(local_count);
  group_->allreduce_sum(&counts, 1);
  JANUS_CHECK(counts > 0, "DistributedDataParallel: the global batch is empty (every rank's local batch is 0)");
  last_global_count_ = static_cast<int64_t>(counts);
  return static_cast<float>(static_cast<double>(local_count) / counts);
}

void Reducer::reduce_gradients() {
  ProcessGroup& g = *group_;
  last_reduce_seconds_ = 0;
  if (g.size() == 1) return;  // one process: the mean-loss gradient already is the global one
  const bool ordered = deterministic();
  for (const auto& bucket : buckets_) {
    int64_t n = 0;
    for (const Tensor& p : bucket) n += p.numel();
    flat_.resize(static_cast<size_t>(n));
    int64_t off = 0;
    for (const Tensor& p : bucket) {
      const Tensor gr = p.grad();
      if (gr.defined()) std::memcpy(flat_.data() + off, gr.data(), sizeof(float) * p.numel());
      else std::fill(flat_.begin() + off, flat_.begin() + off + p.numel(), 0.0f);
      off += p.numel();
    }
    const auto c0 = std::chrono::steady_clock::now();
    if (ordered) allreduce_sum_ordered(g, flat_.data(), n);
    else g.allreduce_sum(flat_.data(), n);
    last_reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    off = 0;
    for (const Tensor& p : bucket) {
      Tensor gr = p.grad();
      if (!gr.defined()) {
        gr = zeros(p.shape());
        Tensor(p).set_grad(gr);
      }
      std::memcpy(gr.data(), flat_.data() + off, sizeof(float) * p.numel());
      off += p.numel();
    }
  }
}

}  // namespace janus::distributed
