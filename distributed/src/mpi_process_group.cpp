// core's ProcessGroup on MPI_COMM_WORLD, MPI's lifetime (init once, finalize at exit), and the
// error path: a failed rank calls MPI_Abort, which mpirun turns into the end of every rank.
#include <janus/core/error.h>
#include <janus/distributed/distributed.h>

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>

namespace janus::distributed {

namespace {

void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  JANUS_FAIL("MPI {} failed: {}", what, std::string(msg, len));
}

// MPI counts are int: large buffers go in pieces of at most 1 GiB.
constexpr int64_t kMaxPiece = int64_t(1) << 30;

class MpiProcessGroup : public ProcessGroup {
 public:
  MpiProcessGroup() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "Open MPI (" + std::to_string(size_) + " ranks)"; }

  void allreduce_sum(float* data, int64_t n) override { allreduce(data, n, MPI_FLOAT, sizeof(float)); }
  void allreduce_sum(double* data, int64_t n) override { allreduce(data, n, MPI_DOUBLE, sizeof(double)); }

  void broadcast(void* data, int64_t bytes, int root) override {
    JANUS_CHECK(root >= 0 && root < size_, "broadcast: root {} is not a rank of {}", root, size_);
    char* p = static_cast<char*>(data);
    for (int64_t off = 0; off < bytes; off += kMaxPiece)
      check_mpi(MPI_Bcast(p + off, static_cast<int>(std::min(kMaxPiece, bytes - off)), MPI_BYTE, root,
                          MPI_COMM_WORLD),
                "MPI_Bcast");
  }

  void allgather(const void* send, int64_t bytes, void* recv) override {
    JANUS_CHECK(bytes <= INT_MAX, "allgather: {} bytes per rank is more than one MPI call takes", bytes);
    check_mpi(MPI_Allgather(send, static_cast<int>(bytes), MPI_BYTE, recv, static_cast<int>(bytes), MPI_BYTE,
                            MPI_COMM_WORLD),
              "MPI_Allgather");
  }

  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  [[noreturn]] void abort(int code, const std::string& why) override {
    std::fprintf(stderr, "rank %d of %d: %s\n", rank_, size_, why.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  void allreduce(void* data, int64_t n, MPI_Datatype type, int64_t elem) {
    char* p = static_cast<char*>(data);
    const int64_t piece = kMaxPiece / elem;
    for (int64_t off = 0; off < n; off += piece)
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, p + off * elem, static_cast<int>(std::min(piece, n - off)), type,
                              MPI_SUM, MPI_COMM_WORLD),
                "MPI_Allreduce");
  }
  int rank_ = 0, size_ = 1;
};

std::mutex init_mutex;
std::shared_ptr<ProcessGroup> group;

void finalize_at_exit() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Finalize();
}

void terminate_handler() {
  std::string why = "terminate called";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      why = ex.what();
    } catch (...) {
      why = "unknown exception";
    }
  }
  process_group().abort(1, why);
}

}  // namespace

void finalize() { finalize_at_exit(); }

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

std::shared_ptr<ProcessGroup> init(int* argc, char*** argv) {
  std::lock_guard<std::mutex> lock(init_mutex);
  if (group) return group;
  if (!launched_by_mpirun()) {
    group = process_group_ptr();
    return group;
  }
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    std::atexit(finalize_at_exit);
  }
  // Errors come back as codes and become janus::Error (then run() aborts the job).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  group = std::make_shared<MpiProcessGroup>();
  set_process_group(group);
  std::set_terminate(terminate_handler);
  return group;
}

int run(int argc, char** argv, const std::function<int()>& fn) {
  std::shared_ptr<ProcessGroup> pg;
  try {
    pg = init(&argc, &argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  int rc = 1;
  try {
    rc = fn();
  } catch (const std::exception& e) {
    if (pg->size() == 1) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
    }
    pg->abort(1, std::string("error: ") + e.what());
  }
  // A rank that fails by its exit code must not sit in MPI_Finalize while the others wait.
  if (rc != 0 && pg->size() > 1) pg->abort(rc, "exited with code " + std::to_string(rc));
  if (pg->size() > 1) finalize_at_exit();
  return rc;
}

}  // namespace janus::distributed
