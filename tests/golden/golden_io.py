"""Shared helpers for the golden-value generators (run by hand, never in CI):

    /usr/bin/python3 tests/golden/gen_<area>.py      # needs Debian's python3-torch

Each generator writes one small JSON fixture next to itself, recording the PyTorch version,
the generator's path, and the tensors/values the C++ tests compare against.
"""
import json
import math
import os

import torch


class FixtureWriter:
    def __init__(self, name, generator):
        self.name = name
        self.doc = {"generator": generator, "torch_version": torch.__version__, "tensors": {}, "values": {}, "texts": {}}

    def tensor(self, key, t):
        t = t.detach().to(torch.float32).contiguous()
        # JSON has no nan/inf: those are written as the strings "nan", "inf", "-inf".
        data = [float(v) if math.isfinite(v) else str(v) for v in t.reshape(-1).tolist()]
        self.doc["tensors"][key] = {"shape": list(t.shape), "data": data}

    def value(self, key, v):
        self.doc["values"][key] = float(v)

    def text(self, key, s):
        self.doc["texts"][key] = s

    def save(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), self.name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.doc, f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, path)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
