#!/bin/sh
# Writes the fuzz seeds that are binary records rather than small hand-made headers, so that
# no dataset-like file is committed: OUT/cifar/two_records.bin, two CIFAR-10 records (label
# byte + 3072 pixel bytes) of synthetic pixels. Called by tests/fuzz/CMakeLists.txt at
# configure time; scripts/fuzz.sh and ctest read OUT/<target> beside the committed corpus.
set -eu
out="$1"
mkdir -p "$out/cifar"
for t in safetensors training_checkpoint idx idx_gz image; do mkdir -p "$out/$t"; done
{
  printf '\003'; head -c 3072 /dev/zero | tr '\000' '\177'   # label 3, every pixel 127
  printf '\007'; head -c 3072 /dev/zero                      # label 7, black
} > "$out/cifar/two_records.bin"
