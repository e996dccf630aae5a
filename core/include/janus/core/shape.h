// Shape: the sizes of a tensor's axes, plus the helpers every op needs (element count,
// axis normalization, broadcasting). Shapes print as [8, 3, 32, 32].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace janus {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar, i.e. an empty shape).
int64_t numel_of(const Shape& shape);

// Row-major strides of a contiguous tensor of this shape.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// "[8, 3, 32, 32]".
std::string shape_str(const Shape& shape);

// Maps a possibly negative axis into [0, rank); `what` names the op for the error.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what);

// NumPy broadcasting of two shapes; throws naming `what` when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* what);

}  // namespace janus
