#!/bin/sh
# build_with_pkg_config.sh PREFIX SOURCE OUT_DIR CXX [CXXFLAGS]: compiles SOURCE against the janus installed
# in PREFIX using only `pkg-config janus` (as a Makefile user would), then runs it.
set -eu
prefix=$1 source=$2 out=$3 cxx=$4 flags=${5:-}
pc_dir=$(dirname "$(find "$prefix" -name janus.pc | head -n 1)")
export PKG_CONFIG_PATH="$pc_dir"
mkdir -p "$out"
libdir=$(pkg-config --variable=libdir janus)
# shellcheck disable=SC2046,SC2086  # the flags are meant to split
"$cxx" -std=c++17 -O1 $flags "$source" -o "$out/janus_downstream" $(pkg-config --cflags --libs janus) \
  -Wl,-rpath,"$libdir"
"$out/janus_downstream"
