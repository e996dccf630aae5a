"""Golden values for non-square conv2d / pooling arguments and pooling's ceil_mode, from PyTorch.

    /usr/bin/python3 tests/golden/gen_conv_pool_pairs.py   # writes tests/golden/conv_pool_pairs.json

Each case <name> stores its inputs, an upstream gradient dy, the output y and the gradients
of sum(y * dy), plus its (h, w) arguments as <name>.<arg>_h / <name>.<arg>_w values.
"""
import torch
import torch.nn.functional as F

from golden_io import FixtureWriter

torch.manual_seed(0)


def q(t):
    """Rounds to multiples of 1/16 so that the JSON stays small."""
    return torch.round(t * 16) / 16


out = FixtureWriter("conv_pool_pairs.json", "tests/golden/gen_conv_pool_pairs.py")


def pairs(name, **args):
    for key, (h, w) in args.items():
        out.value(f"{name}.{key}_h", h)
        out.value(f"{name}.{key}_w", w)


CONV_CASES = {
    # name: (x shape, w shape, stride, padding, dilation)
    "conv_k1x7_p0x3": ((2, 3, 6, 9), (4, 3, 1, 7), (1, 1), (0, 3), (1, 1)),
    "conv_k3x2_s2x1_p1x0": ((1, 2, 7, 6), (3, 2, 3, 2), (2, 1), (1, 0), (1, 1)),
    "conv_k3x3_s1x3_p2x1_d2x1": ((2, 2, 9, 10), (2, 2, 3, 3), (1, 3), (2, 1), (2, 1)),
}
for name, (xs, ws, stride, padding, dilation) in CONV_CASES.items():
    x = q(torch.randn(xs)).requires_grad_()
    w = q(torch.randn(ws) * 0.5).requires_grad_()
    b = q(torch.randn(ws[0])).requires_grad_()
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    dy = q(torch.randn(y.shape))
    y.backward(dy)
    for key, t in (("x", x), ("w", w), ("b", b), ("y", y), ("dy", dy), ("dx", x.grad), ("dw", w.grad),
                   ("db", b.grad)):
        out.tensor(f"{name}.{key}", t)
    pairs(name, stride=stride, padding=padding, dilation=dilation)

POOL_CASES = {
    # name: (kind, x shape, kernel, stride, padding, ceil_mode, count_include_pad)
    "max_k3x2_s2x1_p1x0": ("max", (2, 2, 7, 6), (3, 2), (2, 1), (1, 0), False, True),
    "max_k2_ceil": ("max", (1, 2, 5, 7), (2, 2), (2, 2), (0, 0), True, True),
    "max_k3x2_s2_p1_ceil": ("max", (1, 3, 8, 7), (3, 2), (2, 2), (1, 1), True, True),
    "avg_k2x3_s1x2_p1x1": ("avg", (1, 2, 6, 7), (2, 3), (1, 2), (1, 1), False, True),
    "avg_k3_s2_ceil": ("avg", (2, 2, 6, 8), (3, 3), (2, 2), (0, 0), True, True),
    "avg_k3_s2_p1_ceil": ("avg", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True, True),
    "avg_k3_s2_p1_ceil_nopad": ("avg", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True, False),
    "avg_k2x3_ceil_nopad": ("avg", (1, 2, 5, 7), (2, 3), (2, 2), (1, 1), True, False),
}
for name, (kind, xs, k, s, p, ceil, cip) in POOL_CASES.items():
    x = q(torch.randn(xs)).requires_grad_()
    if kind == "max":
        y = F.max_pool2d(x, k, s, p, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=cip)
    dy = q(torch.randn(y.shape))
    y.backward(dy)
    for key, t in (("x", x), ("y", y), ("dy", dy), ("dx", x.grad)):
        out.tensor(f"{name}.{key}", t)
    pairs(name, kernel=k, stride=s, padding=p)
    out.value(f"{name}.ceil_mode", ceil)
    out.value(f"{name}.count_include_pad", cip)

out.save()
