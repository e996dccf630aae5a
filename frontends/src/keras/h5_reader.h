// Reading Keras' .weights.h5 files without libhdf5 (internal): janus' own bounded parser of
// the HDF5 subset that h5py (Keras 3) and janus' Writer produce. The file is read whole,
// every structure is bounds-checked against its bytes, and anything outside the subset -- a
// shared message, chunked or compressed storage, dense link storage, a link out of the file,
// a non-numeric type -- is a janus::Error naming the file and the object, never a crash.
//
//   h5::Reader file(path, "load_weights", max_bytes);
//   for (const std::string& name : file.children("layers")) ...
//   if (auto d = file.dataset("layers/dense/vars/0")) Tensor t = file.read(*d);
#pragma once

#include "h5_format.h"
#include "h5_group.h"

#include <janus/core/tensor.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace janus::keras::h5 {

// A dataset's parsed description: its shape, element type and where its bytes are.
struct Dataset {
  std::string object;  // its path in the file
  Shape shape;
  ElementType type;
  uint64_t offset = 0;  // of its values in the file image; count(shape) * type.size bytes
};

class Reader {
 public:
  // A file larger than `max_bytes` is refused before it is read.
  Reader(std::string path, std::string who, uint64_t max_bytes);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Whether `object` ("layers/conv2d/vars") exists and is a group. Every link on a path must be
  // a hard link: an external or soft one is an error, so no lookup ever leaves the file.
  bool is_group(const std::string& object) const;
  std::vector<std::string> children(const std::string& object) const;  // in name order
  // The dataset at `object`; nullopt if there is none (missing, or a group). A dataset that
  // janus cannot read (not numeric, chunked, shared messages, bytes missing) is an error.
  std::optional<Dataset> dataset(const std::string& object) const;
  // Its values converted to float32 (as HDF5's conversion to a native float would).
  Tensor read(const Dataset& d) const;
  const std::string& path() const { return source_.path; }

 private:
  // The object header address `object` leads to; nullopt if a name on the way is missing.
  std::optional<uint64_t> resolve(const std::string& object) const;
  // The links of the group at `address` (named `object`), listed once and kept; nullptr if
  // the object there is not a group.
  const std::vector<Link>* group(uint64_t address, const std::string& object) const;

  std::string image_;  // the whole file
  Source source_;
  std::unique_ptr<Format> format_;
  mutable std::map<uint64_t, std::vector<Link>> groups_;  // by object header address
};

}  // namespace janus::keras::h5
