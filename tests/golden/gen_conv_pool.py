"""Golden values for conv2d and pooling (forward and backward) from PyTorch.

    /usr/bin/python3 tests/golden/gen_conv_pool.py    # writes tests/golden/conv_pool.json

For each case <name>: inputs (x, w, b), an upstream gradient dy, the output y and the
gradients dx, dw, db of sum(y * dy). Tests compare with rtol 1e-5 and atol 1e-5.
"""
import torch
import torch.nn.functional as F

from golden_io import FixtureWriter

torch.manual_seed(0)


def q(t):
    """Rounds to multiples of 1/16 so that sums of products print in few digits (smaller JSON)."""
    return torch.round(t * 16) / 16


out = FixtureWriter("conv_pool.json", "tests/golden/gen_conv_pool.py")

CONV_CASES = {
    # name: (x shape, w shape, bias, stride, padding, dilation, groups)
    "conv_stride2": ((2, 3, 7, 7), (4, 3, 3, 3), True, 2, 1, 1, 1),
    "conv_pad2": ((1, 3, 6, 6), (5, 3, 3, 3), True, 1, 2, 1, 1),
    "conv_dil2": ((1, 2, 9, 9), (3, 2, 3, 3), True, 1, 1, 2, 1),
    "conv_groups": ((1, 4, 6, 6), (6, 2, 3, 3), True, 1, 1, 1, 2),
    "conv_1x1": ((1, 2, 16, 16), (2, 2, 1, 1), True, 1, 0, 1, 1),
    "conv_1x1_s2": ((2, 4, 5, 5), (3, 4, 1, 1), False, 2, 0, 1, 1),
    "conv_nobias": ((2, 2, 5, 5), (4, 2, 3, 3), False, 1, 1, 1, 1),
    "conv_rect": ((2, 2, 6, 8), (3, 2, 2, 3), True, 1, 1, 1, 1),
}

for name, (xs, ws, bias, stride, padding, dilation, groups) in CONV_CASES.items():
    x = q(torch.randn(xs)).requires_grad_()
    w = q(torch.randn(ws) * 0.5).requires_grad_()
    b = q(torch.randn(ws[0])).requires_grad_() if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    dy = q(torch.randn(y.shape))
    y.backward(dy)
    for key, t in (("x", x), ("w", w), ("y", y), ("dy", dy), ("dx", x.grad), ("dw", w.grad)):
        out.tensor(f"{name}.{key}", t)
    if bias:
        out.tensor(f"{name}.b", b)
        out.tensor(f"{name}.db", b.grad)
    for key, v in (("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups)):
        out.value(f"{name}.{key}", v)

POOL_CASES = {
    # name: (kind, x shape, kernel, stride, padding, count_include_pad, integer-valued x for ties)
    "max_k3s2p1": ("max", (2, 3, 7, 7), 3, 2, 1, True, False),
    "max_k2_ties": ("max", (2, 2, 6, 6), 2, 2, 0, True, True),
    "max_k3s1p1_ties": ("max", (1, 2, 5, 5), 3, 1, 1, True, True),
    "avg_k3s2p1": ("avg", (1, 3, 7, 7), 3, 2, 1, True, False),
    "avg_k3s2p1_nopad": ("avg", (1, 3, 7, 7), 3, 2, 1, False, False),
    "avg_k2": ("avg", (2, 2, 6, 6), 2, 2, 0, True, False),
}

for name, (kind, xs, k, s, p, cip, ties) in POOL_CASES.items():
    x = torch.randint(-2, 3, xs).float() if ties else q(torch.randn(xs))
    x.requires_grad_()
    if kind == "max":
        y = F.max_pool2d(x, k, s, p)
    else:
        y = F.avg_pool2d(x, k, s, p, count_include_pad=cip)
    dy = q(torch.randn(y.shape))
    y.backward(dy)
    for key, t in (("x", x), ("y", y), ("dy", dy), ("dx", x.grad)):
        out.tensor(f"{name}.{key}", t)
    for key, v in (("kernel", k), ("stride", s), ("padding", p), ("count_include_pad", cip)):
        out.value(f"{name}.{key}", v)

ADAPTIVE_CASES = {"adaptive_7x9_to_3x4": ((1, 3, 7, 9), (3, 4)), "adaptive_5x5_to_5x5": ((1, 2, 5, 5), (5, 5)),
                  "adaptive_global": ((2, 3, 5, 6), (1, 1)), "adaptive_4x4_to_6x3": ((1, 2, 4, 4), (6, 3))}
for name, (xs, (oh, ow)) in ADAPTIVE_CASES.items():
    x = q(torch.randn(xs)).requires_grad_()
    y = F.adaptive_avg_pool2d(x, (oh, ow))
    dy = q(torch.randn(y.shape))
    y.backward(dy)
    for key, t in (("x", x), ("y", y), ("dy", dy), ("dx", x.grad)):
        out.tensor(f"{name}.{key}", t)
    out.value(f"{name}.out_h", oh)
    out.value(f"{name}.out_w", ow)

out.save()
