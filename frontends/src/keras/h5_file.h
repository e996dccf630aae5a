// Writing Keras' weight files through the HDF5 C library (internal): a file is built in
// memory and handed to write_file_atomic (temp file, fsync, rename), so HDF5 never touches a
// half-written target. HDF5's own error printing is switched off while janus calls it; every
// failure is a janus::Error naming the file, the object path and HDF5's reason. Reading is
// janus' own parser (h5_reader.h): libhdf5 never sees a file janus did not write.
#pragma once

#include <janus/core/tensor.h>

#include <hdf5.h>

#include <memory>
#include <string>
#include <vector>

namespace janus::keras::h5 {

// An HDF5 identifier closed by its own close function when the handle dies.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Building a file: groups by path ("layers/conv2d/vars", parents made as needed) and float32
// datasets, then the finished bytes are written atomically to `path`.
class Writer {
 public:
  Writer(std::string path, std::string who);
  void group(const std::string& object);
  // A float32 dataset of `t`'s shape (a 0-d tensor is a scalar dataset).
  void dataset(const std::string& object, const Tensor& t);
  void commit();

 private:
  std::string path_, who_;
  Handle file_;
};

}  // namespace janus::keras::h5
