"""Writes h5py-made seeds for fuzz_weights_h5 into OUT/weights_h5 (binary files made at
configure time, not committed): the fuzz target's model in Keras 3's layout written with
libver='latest' (superblock 3, version 2 object headers, compact new-style groups, checksums)
and with track_order=True, so the fuzzer starts from both storages janus' HDF5 reader parses.
Exit 0 without writing when h5py or numpy is missing (the janus-written seed remains).
    make_h5py_seeds.py OUT
"""
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(0)

out = os.path.join(sys.argv[1], "weights_h5")
os.makedirs(out, exist_ok=True)
# fuzz_weights_h5.cpp's model: Input(6, 6, 2) -> Conv2D(3, 3, same) -> BN -> Add(Conv2D(3, 1), BN)
# -> Concatenate(with the input) -> Flatten -> Dense(2), in Keras' groups and layouts.
layers = [("input_layer", []), ("conv2d", [(3, 3, 2, 3), (3,)]), ("batch_normalization", [(3,)] * 4),
          ("conv2d_1", [(1, 1, 3, 3), (3,)]), ("add", []), ("concatenate", []), ("flatten", []),
          ("dense", [(180, 2), (2,)])]
rng = np.random.default_rng(3)
for name, kwargs in [("h5py_latest", {"libver": "latest"}), ("h5py_track_order", {"track_order": True})]:
    with h5py.File(os.path.join(out, name + ".weights.h5"), "w", **kwargs) as f:
        f.create_group("vars")
        for group, shapes in layers:
            g = f.create_group(f"layers/{group}/vars")
            for i, s in enumerate(shapes):
                g[str(i)] = np.abs(rng.standard_normal(s)).astype(np.float32) + np.float32(0.5)
