"""Golden checkpoints for tests/layers/test_state_dict_golden.cpp (run by hand):

    /usr/bin/python3 tests/golden/gen_state_dict.py

Builds two small PyTorch models, trains each for a few SGD steps (so weights and BN running
statistics are non-trivial), and saves each state_dict as a .safetensors file written here
with numpy (the format by hand: 8-byte little-endian header length, JSON header, raw data;
num_batches_tracked stays int64 as PyTorch stores it). state_dict.json records a fixed input,
the outputs in eval and train mode, the BN running statistics after that train-mode forward,
and the gradients of a projected loss. janus must reproduce them to 1e-5.

  bn:    Conv2d(3,4,3,padding=1) BatchNorm2d(4) ReLU MaxPool2d(2) Flatten Linear(64,5)
  plain: Conv2d(3,4,3,padding=1) ReLU MaxPool2d(2) Flatten Linear(64,5)
"""
import json
import os
import struct

import numpy as np
import torch

from golden_io import FixtureWriter

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {np.dtype("float32"): "F32", np.dtype("int64"): "I64", np.dtype("float64"): "F64"}


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt", "generator": "tests/golden/gen_state_dict.py"}}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy()).reshape(tuple(t.shape))  # keeps 0-d shapes
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        raw = a.tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def build(with_bn):
    layers = [torch.nn.Conv2d(3, 4, 3, padding=1)]
    if with_bn:
        layers.append(torch.nn.BatchNorm2d(4))
    layers += [torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 5)]
    return torch.nn.Sequential(*layers)


def main():
    torch.manual_seed(0)
    fx = FixtureWriter("state_dict.json", "tests/golden/gen_state_dict.py")
    x = torch.randn(2, 3, 8, 8)
    proj = torch.randn(2, 5)
    fx.tensor("x", x)
    fx.tensor("proj", proj)
    for tag, with_bn in (("bn", True), ("plain", False)):
        model = build(with_bn)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        model.train()
        for _ in range(3):
            xb = torch.randn(4, 3, 8, 8) * 2 + 0.5
            loss = torch.nn.functional.cross_entropy(model(xb), torch.randint(0, 5, (4,)))
            opt.zero_grad()
            loss.backward()
            opt.step()
        write_safetensors(os.path.join(HERE, f"state_dict_{tag}.safetensors"), model.state_dict())
        model.eval()
        with torch.no_grad():
            fx.tensor(f"{tag}.out_eval", model(x))
        model.train()
        model.zero_grad()
        out = model(x)
        (out * proj).sum().backward()
        fx.tensor(f"{tag}.out_train", out)
        fx.tensor(f"{tag}.grad.0.weight", model[0].weight.grad)
        fx.tensor(f"{tag}.grad.last.weight", model[-1].weight.grad)
        fx.tensor(f"{tag}.grad.last.bias", model[-1].bias.grad)
        if with_bn:
            fx.tensor("bn.after.running_mean", model[1].running_mean)
            fx.tensor("bn.after.running_var", model[1].running_var)
            fx.value("bn.after.num_batches_tracked", model[1].num_batches_tracked.item())
            fx.tensor("bn.grad.1.weight", model[1].weight.grad)
    fx.save()


if __name__ == "__main__":
    main()
