"""Checks janus' *.weights.h5 files with h5py against Keras 3's layout, and the other way.

    check_keras_h5.py <keras_h5_files program> <scratch dir>      # run by ctest

Keras 3's save_weights (keras/src/saving/saving_lib.py, H5IOStore) writes an HDF5 file with
the model's own variables in the group "vars" and, for every layer in model.layers, a group
"layers/<snake case of the class name, numbered per model>/vars" holding the layer's
variables as datasets "0", "1", ... (Conv2D: kernel (kh, kw, in, out), bias; Dense: kernel
(in, out), bias; BatchNormalization: gamma, beta, moving_mean, moving_variance), float32.
A Sequential's model.layers has no InputLayer; a functional model's has its InputLayers.
The expected objects below are written out from that description, not taken from janus.
Exit code 77 (ctest: skipped) when h5py or numpy is missing.
"""
import json
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"skipped: {e} (Debian: apt-get install python3-h5py)")
    sys.exit(77)

program, scratch = sys.argv[1], sys.argv[2]
os.makedirs(scratch, exist_ok=True)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def objects(path):
    """Every group and dataset in the file: {name: None for a group, (shape, dtype) for a dataset}."""
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            found[name] = (obj.shape, obj.dtype) if isinstance(obj, h5py.Dataset) else None
        f.visititems(visit)
    return found


def layer_objects(layers):
    """The objects Keras 3 writes for `layers` = [(group, [shape of variable 0, 1, ...]), ...]."""
    want = {"vars": None, "layers": None}
    for group, shapes in layers:
        want[f"layers/{group}"] = None
        want[f"layers/{group}/vars"] = None
        for i, s in enumerate(shapes):
            want[f"layers/{group}/vars/{i}"] = (tuple(s), np.dtype("float32"))
    return want


def internal(path):
    with open(path) as f:
        return {k: np.array(v["data"], dtype=np.float32).reshape(v["shape"]) for k, v in json.load(f).items()}


def first(tensors, *names):
    for n in names:
        if n in tensors:
            return tensors[n]
    raise KeyError(f"none of {names} in {sorted(tensors)}")


def check_values(path, held, conv, bn, dense):
    """conv/bn/dense: [(h5 group, janus layer name)]; the h5 values must be janus' tensors in Keras' layouts."""
    with h5py.File(path, "r") as f:
        for group, name in conv:
            check(np.array_equal(f[f"layers/{group}/vars/0"][()], held[f"{name}.weight"].transpose(2, 3, 1, 0)),
                  f"{path}: layers/{group}/vars/0 is {name}'s kernel as (kh, kw, in, out)")
            if f"{name}.bias" in held:
                check(np.array_equal(f[f"layers/{group}/vars/1"][()], held[f"{name}.bias"]),
                      f"{path}: layers/{group}/vars/1 is {name}'s bias")
        for group, name in bn:
            for i, keys in enumerate((("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                                      ("running_var", "moving_variance"))):
                want = first(held, *[f"{name}.{k}" for k in keys])
                check(np.array_equal(f[f"layers/{group}/vars/{i}"][()], want),
                      f"{path}: layers/{group}/vars/{i} is {name}'s {keys[1]}")
        for group, name in dense:
            check(np.array_equal(f[f"layers/{group}/vars/0"][()], held[f"{name}.weight"].T),
                  f"{path}: layers/{group}/vars/0 is {name}'s kernel as (in, out)")
            check(np.array_equal(f[f"layers/{group}/vars/1"][()], held[f"{name}.bias"]),
                  f"{path}: layers/{group}/vars/1 is {name}'s bias")


subprocess.run([program, "write", scratch], check=True)

# Sequential: Input(8, 8, 3), Conv2D(4, 3), BatchNormalization, ReLU, MaxPooling2D(2), Flatten, Dense(2).
seq = os.path.join(scratch, "sequential.weights.h5")
seq_layers = [("conv2d", [(3, 3, 3, 4), (4,)]), ("batch_normalization", [(4,)] * 4), ("re_lu", []),
              ("max_pooling2d", []), ("flatten", []), ("dense", [(36, 2), (2,)])]
got = objects(seq)
check(got == layer_objects(seq_layers), f"{seq}: objects {sorted(got)} are Keras 3's {sorted(layer_objects(seq_layers))}")
held = internal(os.path.join(scratch, "sequential.json"))
check_values(seq, held, [("conv2d", "conv2d")], [("batch_normalization", "batch_normalization")], [("dense", "dense")])

# Functional: img -> "stem" Conv2D(3, 3, same) -> BN -> Add(Conv2D(3, 1), BN) -> Concatenate(with img)
# -> Flatten -> Dense(2). model.layers in Keras' order; groups named by class, so "stem" is conv2d.
fun = os.path.join(scratch, "functional.weights.h5")
fun_layers = [("input_layer", []), ("conv2d", [(3, 3, 2, 3), (3,)]), ("batch_normalization", [(3,)] * 4),
              ("conv2d_1", [(1, 1, 3, 3), (3,)]), ("add", []), ("concatenate", []), ("flatten", []),
              ("dense", [(180, 2), (2,)])]
got = objects(fun)
check(got == layer_objects(fun_layers), f"{fun}: objects {sorted(got)} are Keras 3's {sorted(layer_objects(fun_layers))}")
held = internal(os.path.join(scratch, "functional.json"))
check_values(fun, held, [("conv2d", "stem"), ("conv2d_1", "conv2d")], [("batch_normalization", "batch_normalization")],
             [("dense", "dense")])

# The other way: h5py writes the Sequential's weights in Keras' layout (with an optimizer group,
# as a compiled Keras model's file has; janus does not read optimizer state), janus loads them.
rng = np.random.default_rng(7)
written = {}
keras_file = os.path.join(scratch, "from_h5py.weights.h5")
with h5py.File(keras_file, "w") as f:
    f.create_group("vars")
    for group, shapes in seq_layers:
        g = f.create_group(f"layers/{group}/vars")
        for i, s in enumerate(shapes):
            v = rng.standard_normal(s).astype(np.float32)
            if group == "batch_normalization" and i == 3:
                v = np.abs(v) + np.float32(0.5)
            g[str(i)] = v
            written[(group, i)] = v
    f.create_group("optimizer/vars")["0"] = np.int64(3)
out = os.path.join(scratch, "from_h5py.json")
subprocess.run([program, "read", keras_file, out], check=True)
held = internal(out)
check(np.array_equal(held["conv2d.weight"], written[("conv2d", 0)].transpose(3, 2, 0, 1)),
      "janus' conv2d.weight is the h5py kernel as (out, in, kh, kw)")
check(np.array_equal(held["dense.weight"], written[("dense", 0)].T), "janus' dense.weight is the h5py kernel as (out, in)")
check(np.array_equal(first(held, "batch_normalization.running_var", "batch_normalization.moving_variance"),
                     written[("batch_normalization", 3)]), "janus' moving variance is the h5py vars/3")

# A compressed (chunked) dataset: refused with a message that says so, not read.
chunked = os.path.join(scratch, "chunked.weights.h5")
with h5py.File(keras_file, "r") as src, h5py.File(chunked, "w") as f:
    def copy(name, obj):
        if isinstance(obj, h5py.Dataset):
            f.create_dataset(name, data=obj[()], **({"compression": "gzip"} if name == "layers/dense/vars/0" else {}))
    src.visititems(copy)
run = subprocess.run([program, "read", chunked, os.path.join(scratch, "chunked.json")], capture_output=True, text=True)
check(run.returncode == 1 and "layers/dense/vars/0" in run.stderr and "in chunks" in run.stderr,
      f"a gzip-compressed dataset is refused by name (got rc {run.returncode}: {run.stderr.strip()})")


def copy_of(src_path, dst_path, edit):
    """dst = src's groups and datasets, then edit(f) on the open copy."""
    with h5py.File(src_path, "r") as src, h5py.File(dst_path, "w") as f:
        def copy(name, obj):
            if isinstance(obj, h5py.Dataset):
                f.create_dataset(name, data=obj[()])
            else:
                f.require_group(name)
        src.visititems(copy)
        edit(f)


def refused(path, *needles, seconds=20):
    """Loading `path` ends within `seconds` with exit 1 and every needle in the message."""
    try:
        run = subprocess.run([program, "read", path, path + ".json"], capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        check(False, f"{path}: load_weights still running after {seconds} s")
        return ""
    check(run.returncode == 1 and all(n in run.stderr for n in needles),
          f"{path}: refused naming {needles} (got rc {run.returncode}: {run.stderr.strip()[:300]})")
    return run.stderr


# Links out of the file: an external link made HDF5 open another file (a FIFO there hung the
# load forever; a big file there was read as the weights); external raw storage read values
# from a file the user never named. Both are refused; so is a soft link.
fifo = os.path.join(scratch, "elsewhere.fifo")
if os.path.exists(fifo):
    os.unlink(fifo)
os.mkfifo(fifo)
ext_link = os.path.join(scratch, "external_link.weights.h5")
def link_out(f):
    del f["layers/dense"]
    f["layers/dense"] = h5py.ExternalLink(fifo, "/")
copy_of(keras_file, ext_link, link_out)
refused(ext_link, "layers/dense", "is an external link")
soft = os.path.join(scratch, "soft_link.weights.h5")
def soft_link(f):
    del f["layers/dense"]
    f["layers/dense"] = h5py.SoftLink("/layers/conv2d")
copy_of(keras_file, soft, soft_link)
refused(soft, "layers/dense", "is a soft link")
raw = os.path.join(scratch, "elsewhere.bin")
with open(raw, "wb") as out_raw:
    out_raw.write(np.array([1.0, 2.0], dtype=np.float32).tobytes())
ext_storage = os.path.join(scratch, "external_storage.weights.h5")
def store_out(f):
    del f["layers/dense/vars/1"]
    f.create_dataset("layers/dense/vars/1", shape=(2,), dtype=np.float32, external=[(raw, 0, 8)])
copy_of(keras_file, ext_storage, store_out)
refused(ext_storage, "layers/dense/vars/1", "in external files")

# 100k extra groups under "layers": listing them was quadratic (160k links ran past 15 min)
# and the message named every one of them.
crowded = os.path.join(scratch, "crowded.weights.h5")
def crowd(f):
    g = f["layers/re_lu"]
    for i in range(100_000):
        f["layers"][f"extra_{i:06d}"] = g
copy_of(keras_file, crowded, crowd)
message = refused(crowded, "match no layer", "more", seconds=60)
check(len(message) < 4000, f"the message for 100k unknown groups is short (got {len(message)} bytes)")
os.unlink(fifo)


# ---- janus' own HDF5 parser against h5py: every layout h5py can give a Keras-like file ----
# `dump` lists what janus' reader finds (groups, datasets, values as float32); h5py's reading
# of the same file is the reference.

def dump(path):
    out = path + ".dump.json"
    run = subprocess.run([program, "dump", path, out], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        return run, None
    with open(out) as f:
        return run, json.load(f)


def h5py_view(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            found[name] = np.asarray(obj[()]).astype(np.float32) if isinstance(obj, h5py.Dataset) else None
        f.visititems(visit)
    return found


def reads_like_h5py(path, what):
    run, got = dump(path)
    if run.returncode != 0:
        check(False, f"{what}: janus reads {path} (got rc {run.returncode}: {run.stderr.strip()[:400]})")
        return
    want = h5py_view(path)
    check(sorted(got) == sorted(want), f"{what}: janus finds the objects h5py finds ({len(got)} vs {len(want)}: "
          f"{sorted(set(got) ^ set(want))[:5]})")
    bad = []
    for name, v in want.items():
        g = got.get(name, "missing")
        if v is None:
            if g is not None:
                bad.append(name)
        elif not isinstance(g, dict) or tuple(g["shape"]) != v.shape or \
                not np.array_equal(np.array(g["data"], dtype=np.float32).reshape(v.shape), v):
            bad.append(name)
    check(not bad, f"{what}: janus' values and shapes equal h5py's (differ: {bad[:5]})")


def compact(group, name, data):
    """A dataset with compact layout (values inside the object header), through h5py's low-level API."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    space = h5py.h5s.create(h5py.h5s.SCALAR) if data.ndim == 0 else h5py.h5s.create_simple(data.shape)
    ds = h5py.h5d.create(group.id, name.encode(), h5py.h5t.py_create(data.dtype), space, dcpl=dcpl)
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))


def many_kinds(g):
    """Every element type janus converts, a scalar, compact layout and attributes, in group g (<= 8 links)."""
    v = rng.standard_normal((3, 5))
    g["f64"] = v
    g["f32_big"] = v.astype(">f4")
    g["f64_big"] = v.astype(">f8")
    g["ints"] = np.round(v * 50).astype(np.int8)
    g["uints"] = (np.abs(np.round(v * 1000)) * 40).astype(">u4")
    g["wide"] = (np.round(v * 1e6) * 1e6).astype(np.int64)
    g["scalar"] = np.float32(2.5)
    compact(g, "compact", (v * 3).astype(np.float32))
    g.attrs["note"] = "attributes are skipped"
    g["f64"].attrs["unit"] = np.arange(4)


def h5py_layers(path, file_kwargs, per_dataset=None):
    """The Sequential's weights (`written`) in Keras' layout, h5py opened with file_kwargs."""
    with h5py.File(path, "w", **file_kwargs) as f:
        f.create_group("vars")
        for group, shapes in seq_layers:
            g = f.create_group(f"layers/{group}/vars")
            g.attrs["layer"] = group
            for i, _ in enumerate(shapes):
                (per_dataset or (lambda g, n, v: g.create_dataset(n, data=v)))(g, str(i), written[(group, i)])
        kinds = f.create_group("kinds")
        many_kinds(kinds)


def loads_written(path, what):
    """load_weights of `path` into the Sequential gives the values `written` holds."""
    out = path + ".json"
    run = subprocess.run([program, "read", path, out], capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        check(False, f"{what}: load_weights reads {path} (got rc {run.returncode}: {run.stderr.strip()[:400]})")
        return
    held = internal(out)
    check(np.array_equal(held["conv2d.weight"], written[("conv2d", 0)].transpose(3, 2, 0, 1)) and
          np.array_equal(held["dense.weight"], written[("dense", 0)].T) and
          np.array_equal(first(held, "batch_normalization.running_var", "batch_normalization.moving_variance"),
                         written[("batch_normalization", 3)]), f"{what}: load_weights gives the values h5py wrote")


for label, kwargs in [("libver earliest (superblock 0, v1 object headers, old-style groups)", {}),
                      ("libver latest (superblock 3, v2 object headers, new-style groups)", {"libver": "latest"}),
                      ("track_order (new-style groups, creation order)", {"track_order": True}),
                      ("libver latest with track_order", {"libver": "latest", "track_order": True}),
                      ("a 512-byte user block (the superblock at 512)", {"userblock_size": 512}),
                      ("libver latest after a 1024-byte user block", {"libver": "latest", "userblock_size": 1024})]:
    path = os.path.join(scratch, "h5py_" + "_".join(f"{k}_{v}" for k, v in kwargs.items()) + ".weights.h5")
    h5py_layers(path, kwargs)
    reads_like_h5py(path, label)
    loads_written(path, label)

# A link name longer than janus' 64 KiB cap (old-style groups keep names in a local heap; a
# damaged file whose many entries all point at one huge name would otherwise cost entries x name
# bytes): refused, naming the cap.
long_name = os.path.join(scratch, "long_name.weights.h5")
with h5py.File(long_name, "w") as f:
    f.create_group("vars")
    f.create_group("layers/" + "n" * 70000)
refused(long_name, "a name longer than 65536 bytes")

# A base address field that disagrees with where the superblock is: libhdf5 (so h5py and
# Keras) takes the superblock's position as the base and moves the end-of-file address by the
# difference; janus must resolve the same objects (the field read as it is would shift every
# address by 512 bytes).
path = os.path.join(scratch, "base_address_field.weights.h5")
h5py_layers(path, {})
with open(path, "r+b") as f:
    head = f.read(25)
    check(head[8] == 0 and head[13] == 8, "the default h5py file has superblock 0 with 8-byte offsets")
    f.seek(24)  # signature 8, versions and sizes 8, leaf/internal K 4, flags 4; then base, free space, EOF
    f.write((512).to_bytes(8, "little"))
    f.seek(40)  # libhdf5 moves the end-of-file address by the same 512 bytes
    f.write((os.path.getsize(path) + 512).to_bytes(8, "little"))
reads_like_h5py(path, "a superblock whose base address field says 512")
loads_written(path, "a superblock whose base address field says 512")

# Float64 and big-endian weights, compact layout: load_weights converts them to float32.
for label, store in [("float64 weights", lambda g, n, v: g.create_dataset(n, data=v.astype(np.float64))),
                     ("big-endian float32 weights", lambda g, n, v: g.create_dataset(n, data=v.astype(">f4"))),
                     ("compact weights", lambda g, n, v: compact(g, n, v))]:
    path = os.path.join(scratch, label.replace(" ", "_") + ".weights.h5")
    h5py_layers(path, {}, store)
    loads_written(path, label)

# Big groups: 200 datasets in one group and 300 layer groups, so old-style groups need many
# symbol table nodes under a B-tree of more than one level.
big = os.path.join(scratch, "big_groups.weights.h5")
with h5py.File(big, "w") as f:
    g = f.create_group("layers/many/vars")
    for i in range(200):
        g[str(i)] = np.full((2,), i, dtype=np.float32)
    for i in range(300):
        f.create_group(f"layers/layer_{i:03d}/vars")["0"] = np.float32(i)
reads_like_h5py(big, "200 datasets in a group and 300 layer groups")
many_vars = os.path.join(scratch, "many_vars.weights.h5")
copy_of(keras_file, many_vars, lambda f: [f["layers/dense/vars"].create_dataset(f"x{i}", data=np.float32(i))
                                          for i in range(200)])
refused(many_vars, "\"layers/dense/vars\" holds 202 variables but the layer has 2")

# Refused, by name: dense link storage (libver latest, 100 links in one group: a fractal heap),
# a dataset whose datatype is a committed (named) datatype (a shared message), a string.
dense = os.path.join(scratch, "dense_links.weights.h5")
with h5py.File(keras_file, "r") as src, h5py.File(dense, "w", libver="latest") as f:
    for name in [n for n, v in objects(keras_file).items() if v is not None]:
        f[name] = src[name][()]
    for i in range(100):
        f["layers/dense/vars"][f"extra_{i}"] = np.float32(i)
refused(dense, "\"layers/dense/vars\"", "dense storage")
committed = os.path.join(scratch, "committed_type.weights.h5")
def commit_type(f):
    f["t"] = np.dtype("f4")
    del f["layers/dense/vars/1"]
    f.create_dataset("layers/dense/vars/1", data=np.zeros(2, np.float32), dtype=f["t"])
copy_of(keras_file, committed, commit_type)
refused(committed, "\"layers/dense/vars/1\"", "shared")
string = os.path.join(scratch, "string.weights.h5")
def string_values(f):
    del f["layers/dense/vars/1"]
    f["layers/dense/vars/1"] = np.array([b"ab", b"cd"])
copy_of(keras_file, string, string_values)
refused(string, "\"layers/dense/vars/1\"", "string values", "expected numbers")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("h5py: janus' .weights.h5 files have Keras 3's groups, datasets, shapes, layouts and values; janus reads h5py's")
