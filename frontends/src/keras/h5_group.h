// The links of an HDF5 group (internal to janus' HDF5 reader), in both storages a Keras file
// can have: old-style groups (a symbol table message naming a version 1 B-tree of symbol
// table nodes and a local heap of names; HDF5 File Format Specification 3.0, III.A.1, III.B,
// III.C, III.D, IV.A.2.r) as h5py writes by default, and new-style compact groups (link
// messages in the object header, IV.A.2.g and IV.A.2.c) as libver='latest' or track_order
// write them. Dense storage (a fractal heap of links) is refused.
#pragma once

#include "h5_format.h"

#include <string>
#include <vector>

namespace janus::keras::h5 {

struct Link {
  enum Kind { hard, soft, external, user_defined };
  std::string name;
  Kind kind = hard;
  uint64_t address = 0;  // the target's object header, for a hard link
};

const char* link_kind(Link::Kind kind);  // "a soft", "an external", ...

// Whether an object with these header messages is a group.
bool is_group(const std::vector<Message>& messages);

// A group's links, sorted by name (bytewise); two links of one name are refused. The work
// is bounded by the file's size: each B-tree or symbol table node is read once, B-trees are at
// most 64 levels deep, and nodes may not overlap more than the file has bytes.
std::vector<Link> group_links(const Format& f, const std::vector<Message>& messages, const std::string& object);

}  // namespace janus::keras::h5
