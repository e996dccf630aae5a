// Shape helpers: element counts, strides, printing, axis normalization, broadcasting.
#include <janus/core/error.h>
#include <janus/core/shape.h>

#include <algorithm>

namespace janus {

int64_t numel_of(const Shape& shape) {
  // Overflow-checked: a shape read from a file may claim sizes whose product exceeds int64,
  // which throws janus::Error (the product of the non-zero sizes must fit even when a zero
  // makes the count 0, so that strides computed from the shape are defined too).
  int64_t n = 1;
  bool zero = false;
  for (int64_t s : shape) {
    if (s == 0) {
      zero = true;
    } else if (__builtin_mul_overflow(n, s, &n)) {
      JANUS_FAIL("shape {} has more elements than int64 can count", shape_str(shape));
    }
  }
  return zero ? 0 : n;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  JANUS_CHECK(axis >= -rank && axis < rank,
              "{}: axis {} is out of range for a {}-D tensor (expected {} to {})", what, axis, rank,
              -rank, rank - 1);
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* what) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    JANUS_CHECK(da == db || da == 1 || db == 1,
                "{}: shapes {} and {} do not broadcast (axis {}: {} vs {})", what, shape_str(a),
                shape_str(b), i, da, db);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace janus
