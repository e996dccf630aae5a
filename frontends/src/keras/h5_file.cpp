// The HDF5 calls behind writing Keras' .weights.h5 files: in-memory files (the core driver
// without a backing store) written atomically by write_file_atomic, with every HDF5 failure
// turned into a janus::Error with HDF5's own reason.
#include "h5_file.h"

#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <unistd.h>

namespace janus::keras::h5 {

namespace {

// While alive, HDF5 prints nothing to stderr (its default prints an error stack for every
// failed call, even for a probe that is expected to fail).
class Quiet {
 public:
  Quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The innermost description on HDF5's error stack ("truncated file: eof = ..."), cleared.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        auto* s = static_cast<std::string*>(out);
        if (e->desc && *e->desc) *s = e->desc;  // the last one walked is the innermost
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "no reason given" : reason;
}

// Unique names for in-memory files: HDF5 keeps open files by name.
std::string image_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}.janus-image.{}.{}", path, static_cast<long>(getpid()), counter++);
}

Handle core_fapl() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  JANUS_CHECK(fapl.get() >= 0 && H5Pset_fapl_core(fapl.get(), 1 << 20, 0) >= 0,
              "HDF5: cannot set up an in-memory file ({})", hdf5_reason());
  return fapl;
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0 && close_) close_(id_);
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && close_) {
    Quiet q;
    close_(id_);
  }
}

// ---- writing -----------------------------------------------------------------------------

Writer::Writer(std::string path, std::string who) : path_(std::move(path)), who_(std::move(who)) {
  Quiet q;
  Handle fapl = core_fapl();
  file_ = Handle(H5Fcreate(image_name(path_).c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()), H5Fclose);
  JANUS_CHECK(file_.get() >= 0, "{}: cannot create the HDF5 file for \"{}\" ({})", who_, path_, hdf5_reason());
}

void Writer::group(const std::string& object) {
  Quiet q;
  size_t from = 0;
  while (from <= object.size()) {
    size_t slash = object.find('/', from);
    if (slash == std::string::npos) slash = object.size();
    const std::string prefix = object.substr(0, slash);
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      Handle g(H5Gcreate2(file_.get(), prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      JANUS_CHECK(g.get() >= 0, "{}: cannot create the group \"{}\" in \"{}\" ({})", who_, prefix, path_,
                  hdf5_reason());
    }
    from = slash + 1;
  }
}

void Writer::dataset(const std::string& object, const Tensor& t) {
  Quiet q;
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  JANUS_CHECK(space.get() >= 0, "{}: cannot describe {} for \"{}\" in \"{}\" ({})", who_, shape_str(t.shape()), object,
              path_, hdf5_reason());
  Handle ds(H5Dcreate2(file_.get(), object.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose);
  JANUS_CHECK(ds.get() >= 0, "{}: cannot create the dataset \"{}\" in \"{}\" ({})", who_, object, path_,
              hdf5_reason());
  JANUS_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()) >= 0,
              "{}: cannot write the dataset \"{}\" in \"{}\" ({})", who_, object, path_, hdf5_reason());
}

void Writer::commit() {
  std::string bytes;
  {
    Quiet q;
    JANUS_CHECK(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0, "{}: cannot finish the HDF5 file \"{}\" ({})", who_,
                path_, hdf5_reason());
    const ssize_t n = H5Fget_file_image(file_.get(), nullptr, 0);
    JANUS_CHECK(n > 0, "{}: cannot take the HDF5 image of \"{}\" ({})", who_, path_, hdf5_reason());
    bytes.resize(static_cast<size_t>(n));
    JANUS_CHECK(H5Fget_file_image(file_.get(), bytes.data(), bytes.size()) == n,
                "{}: cannot take the HDF5 image of \"{}\" ({})", who_, path_, hdf5_reason());
  }
  write_file_atomic(path_, bytes, who_);
}

}  // namespace janus::keras::h5
