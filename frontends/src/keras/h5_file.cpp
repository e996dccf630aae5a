// The HDF5 calls behind Keras' .weights.h5 files: in-memory files (the core driver without a
// backing store) written atomically by write_file_atomic, and read from a regular file's
// bytes with every HDF5 failure turned into a janus::Error with HDF5's own reason.
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

const char* link_kind(H5L_type_t type) {
  return type == H5L_TYPE_EXTERNAL ? "an external" : type == H5L_TYPE_SOFT ? "a soft" : "a user-defined";
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

// ---- reading -----------------------------------------------------------------------------

Reader::Reader(std::string path, std::string who, uint64_t max_bytes) : path_(std::move(path)), who_(std::move(who)) {
  image_ = read_regular_file(path_, who_, max_bytes);
  static const char signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  JANUS_CHECK(image_.size() >= 8 && std::memcmp(image_.data(), signature, 8) == 0,
              "{}: \"{}\" is not an HDF5 file ({} bytes, no HDF5 signature at its start); Keras 3's .weights.h5 "
              "files are HDF5", who_, path_, image_.size());
  Quiet q;
  Handle fapl = core_fapl();
  JANUS_CHECK(H5Pset_file_image(fapl.get(), image_.data(), image_.size()) >= 0,
              "{}: cannot hand \"{}\" to HDF5 ({})", who_, path_, hdf5_reason());
  file_ = Handle(H5Fopen(image_name(path_).c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  JANUS_CHECK(file_.get() >= 0, "{}: \"{}\" is not a readable HDF5 file: {} (truncated or damaged?)", who_, path_,
              hdf5_reason());
}

bool Reader::exists(const std::string& object) const {
  Quiet q;
  size_t from = 0;
  while (from <= object.size()) {
    size_t slash = object.find('/', from);
    if (slash == std::string::npos) slash = object.size();
    const std::string prefix = object.substr(0, slash);
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    require_hard_link(prefix);
    from = slash + 1;
  }
  return true;
}

// Keras and h5py write hard links only. An external link would make HDF5 open another file
// the user never named (a FIFO there blocks forever), and a soft link can loop: both refused.
void Reader::require_hard_link(const std::string& object) const {
  H5L_info_t info;
  JANUS_CHECK(H5Lget_info(file_.get(), object.c_str(), &info, H5P_DEFAULT) >= 0,
              "{}: \"{}\": cannot read the link \"{}\" ({})", who_, path_, excerpt(object), hdf5_reason());
  JANUS_CHECK(info.type == H5L_TYPE_HARD, "{}: \"{}\": \"{}\" is {} link; janus follows only the hard links Keras "
              "writes, never into another file", who_, path_, excerpt(object), link_kind(info.type));
}

bool Reader::is_group(const std::string& object) const {
  if (!exists(object)) return false;
  Quiet q;
  Handle g(H5Gopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Gclose);
  H5Eclear2(H5E_DEFAULT);
  return g.get() >= 0;
}

bool Reader::is_dataset(const std::string& object) const {
  if (!exists(object)) return false;
  Quiet q;
  Handle d(H5Dopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Dclose);
  H5Eclear2(H5E_DEFAULT);
  return d.get() >= 0;
}

std::vector<std::string> Reader::children(const std::string& group) const {
  JANUS_CHECK(exists(group), "{}: \"{}\": there is no group \"{}\"", who_, path_, group);
  Quiet q;
  Handle g(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT), H5Gclose);
  JANUS_CHECK(g.get() >= 0, "{}: \"{}\": cannot open the group \"{}\" ({})", who_, path_, group, hdf5_reason());
  // One pass over the links (H5Lget_name_by_idx per index is quadratic on old-style groups:
  // 160k links took more than 15 minutes); the names come with their link types.
  struct Listing {
    std::vector<std::string> names;
    std::string not_hard;
    H5L_type_t type = H5L_TYPE_HARD;
  } listing;
  hsize_t index = 0;
  const herr_t rc = H5Literate(
      g.get(), H5_INDEX_NAME, H5_ITER_INC, &index,
      [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
        auto* l = static_cast<Listing*>(data);
        if (info->type != H5L_TYPE_HARD) {
          l->not_hard = name;
          l->type = info->type;
          return 1;  // stop
        }
        l->names.emplace_back(name);
        return 0;
      },
      &listing);
  JANUS_CHECK(rc >= 0, "{}: \"{}\": cannot read the names in \"{}\" ({})", who_, path_, group, hdf5_reason());
  JANUS_CHECK(listing.not_hard.empty(), "{}: \"{}\": \"{}/{}\" is {} link; janus follows only the hard links Keras "
              "writes, never into another file", who_, path_, group, excerpt(listing.not_hard), link_kind(listing.type));
  return listing.names;
}

Shape Reader::shape(const std::string& dataset) const {
  JANUS_CHECK(exists(dataset), "{}: \"{}\": there is no dataset \"{}\"", who_, path_, dataset);
  Quiet q;
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  JANUS_CHECK(d.get() >= 0, "{}: \"{}\": \"{}\" is not a dataset ({})", who_, path_, dataset, hdf5_reason());
  Handle type(H5Dget_type(d.get()), H5Tclose);
  const H5T_class_t cls = type.get() >= 0 ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  JANUS_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, "{}: \"{}\": the dataset \"{}\" holds {}, expected numbers "
              "(float or integer)", who_, path_, dataset, cls == H5T_NO_CLASS ? hdf5_reason() : "a non-numeric type");
  const size_t element = H5Tget_size(type.get());
  JANUS_CHECK(element == 1 || element == 2 || element == 4 || element == 8, "{}: \"{}\": the dataset \"{}\" has "
              "{}-byte elements, expected 1, 2, 4 or 8", who_, path_, dataset, element);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const int rank = space.get() >= 0 ? H5Sget_simple_extent_ndims(space.get()) : -1;
  JANUS_CHECK(rank >= 0 && rank <= 8, "{}: \"{}\": the dataset \"{}\" has no usable shape ({})", who_, path_, dataset,
              rank < 0 ? hdf5_reason() : fmt::format("rank {}", rank));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape s;
  uint64_t count = 1;
  for (hsize_t v : dims) {
    JANUS_CHECK(v < (hsize_t(1) << 32), "{}: \"{}\": the dataset \"{}\" claims an axis of {}", who_, path_, dataset,
                static_cast<unsigned long long>(v));
    s.push_back(static_cast<int64_t>(v));
    count *= v;
    JANUS_CHECK(count * element <= image_.size(), "{}: \"{}\": the dataset \"{}\" claims more values than the "
                "file has bytes ({})", who_, path_, dataset, image_.size());
  }
  // Keras (h5py's defaults) stores plain contiguous arrays: their bytes must all be in the
  // file. Chunked (possibly compressed) storage would let HDF5 allocate what a damaged file
  // claims, so it is refused.
  Handle dcpl(H5Dget_create_plist(d.get()), H5Pclose);
  const H5D_layout_t layout = dcpl.get() >= 0 ? H5Pget_layout(dcpl.get()) : H5D_LAYOUT_ERROR;
  JANUS_CHECK(layout == H5D_CONTIGUOUS || layout == H5D_COMPACT, "{}: \"{}\": the dataset \"{}\" is stored {}; "
              "janus reads the contiguous or compact datasets Keras writes", who_, path_, dataset,
              layout == H5D_CHUNKED ? "in chunks (chunked or compressed)" : "in an unknown layout");
  // External storage keeps the values in other files, named by the file: never read them.
  JANUS_CHECK(H5Pget_external_count(dcpl.get()) == 0, "{}: \"{}\": the dataset \"{}\" keeps its values in external "
              "files; janus reads only values stored inside the .weights.h5 file", who_, path_, dataset);
  JANUS_CHECK(count == 0 || H5Dget_storage_size(d.get()) == count * element, "{}: \"{}\": the dataset \"{}\" of "
              "shape {} holds {} bytes, expected {} (truncated or damaged file?)", who_, path_, dataset, shape_str(s),
              static_cast<unsigned long long>(H5Dget_storage_size(d.get())), count * element);
  return s;
}

Tensor Reader::read(const std::string& dataset, const Shape& shape) const {
  JANUS_CHECK(exists(dataset), "{}: \"{}\": there is no dataset \"{}\"", who_, path_, dataset);
  Quiet q;
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  JANUS_CHECK(d.get() >= 0, "{}: \"{}\": \"{}\" is not a dataset ({})", who_, path_, dataset, hdf5_reason());
  Tensor t = empty(shape);
  JANUS_CHECK(H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()) >= 0,
              "{}: \"{}\": cannot read the dataset \"{}\" ({}; truncated or damaged file?)", who_, path_, dataset,
              hdf5_reason());
  return t;
}

}  // namespace janus::keras::h5
