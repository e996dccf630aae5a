"""Golden values for conv2d's direct few-input-channel path (1-4 input channels, 3x3, stride 1):
the benchmark CNN's first layer and shapes whose widths leave partial 16-column blocks.

    /usr/bin/python3 tests/golden/gen_conv_direct.py    # writes tests/golden/conv_direct.json

For each case <name>: x, w, (b), dy, and y, dx, dw, (db) of sum(y * dy) from PyTorch, in float32
with unrounded N(0,1) inputs, so that the C++ test's tolerance (accumulation depth) is exercised.
"""
import torch
import torch.nn.functional as F

from golden_io import FixtureWriter

torch.manual_seed(12)

out = FixtureWriter("conv_direct.json", "tests/golden/gen_conv_direct.py")

CASES = {
    # name: (x shape, C_out, bias, padding)
    "first_layer": ((2, 3, 5, 19), 5, True, 1),    # 3 channels as in the CNN; 19 columns: a partial block
    "one_channel_pad0": ((2, 1, 6, 12), 6, False, 0),
    "four_channels_pad2": ((1, 4, 5, 9), 5, True, 2),
    "two_channels_wide": ((1, 2, 3, 33), 5, True, 1),  # 33 columns: 3 blocks, the last with one
}

for name, (xs, cout, bias, padding) in CASES.items():
    x = torch.randn(xs).requires_grad_()
    w = (torch.randn(cout, xs[1], 3, 3) * 0.5).requires_grad_()
    b = torch.randn(cout).requires_grad_() if bias else None
    y = F.conv2d(x, w, b, padding=padding)
    dy = torch.randn(y.shape)
    y.backward(dy)
    for key, t in (("x", x), ("w", w), ("y", y), ("dy", dy), ("dx", x.grad), ("dw", w.grad)):
        out.tensor(f"{name}.{key}", t)
    if bias:
        out.tensor(f"{name}.b", b)
        out.tensor(f"{name}.db", b.grad)
    out.value(f"{name}.padding", padding)

out.save()
