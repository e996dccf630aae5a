// A small, safe face of the HDF5 C library for the Keras weight files (internal): a file is
// built in memory and handed to write_file_atomic (temp file, fsync, rename), and read from
// a regular file's bytes, so HDF5 never touches a half-written target. HDF5's own error
// printing is switched off while janus calls it; every failure is a janus::Error naming the
// file, the object path and HDF5's reason.
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

// Reading a file: the names in a group, an object's kind, a dataset's shape, its values as
// float32 (HDF5 converts other float and integer types).
class Reader {
 public:
  // A file larger than `max_bytes` is refused before it is read.
  Reader(std::string path, std::string who, uint64_t max_bytes);
  // Every link on the path exists; a link on it that is not a hard link (external, soft) is an
  // error, so no call ever leaves the file.
  bool exists(const std::string& object) const;
  bool is_group(const std::string& object) const;
  bool is_dataset(const std::string& object) const;
  std::vector<std::string> children(const std::string& group) const;  // in name order
  Shape shape(const std::string& dataset) const;
  // Reads a dataset already known to have `shape` (check shape() first).
  Tensor read(const std::string& dataset, const Shape& shape) const;
  const std::string& path() const { return path_; }

 private:
  void require_hard_link(const std::string& object) const;
  std::string path_, who_;
  std::string image_;  // the file's bytes: HDF5 reads them from memory
  Handle file_;
};

}  // namespace janus::keras::h5
