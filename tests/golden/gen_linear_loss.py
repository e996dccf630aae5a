"""Golden values for linear, softmax/log_softmax, cross_entropy (with and without label
smoothing) and mse_loss, forward and backward, from PyTorch (float32, CPU).

    /usr/bin/python3 tests/golden/gen_linear_loss.py   # writes linear_loss.json

The C++ tests (tests/core/test_linalg.cpp, test_nn_ops.cpp) compare within 1e-5.
"""
import torch
import torch.nn.functional as F

from golden_io import FixtureWriter

torch.manual_seed(7)
w = FixtureWriter("linear_loss.json", "tests/golden/gen_linear_loss.py")

# linear: x (6, 5), weight (3, 5), bias (3); loss = sum(y * r) with r a fixed projection.
x = torch.randn(6, 5, requires_grad=True)
wt = torch.randn(3, 5, requires_grad=True)
b = torch.randn(3, requires_grad=True)
r = torch.randn(6, 3)
y = F.linear(x, wt, b)
(y * r).sum().backward()
for k, v in {"x": x, "weight": wt, "bias": b, "r": r, "y": y, "gx": x.grad, "gweight": wt.grad, "gbias": b.grad}.items():
    w.tensor("linear." + k, v)

# batched matmul: (2, 3, 4) x (2, 4, 5)
a = torch.randn(2, 3, 4, requires_grad=True)
c = torch.randn(2, 4, 5, requires_grad=True)
r = torch.randn(2, 3, 5)
y = torch.matmul(a, c)
(y * r).sum().backward()
for k, v in {"a": a, "b": c, "r": r, "y": y, "ga": a.grad, "gb": c.grad}.items():
    w.tensor("bmm." + k, v)

# softmax / log_softmax over the last axis and over axis 1 of a 3-D tensor.
for name, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
    for axis, shape in ((-1, (4, 7)), (1, (2, 5, 3))):
        t = (torch.randn(*shape) * 3).requires_grad_()
        r = torch.randn(*shape)
        y = fn(t, dim=axis)
        (y * r).sum().backward()
        key = f"{name}.axis{axis}"
        for k, v in {"x": t, "r": r, "y": y, "gx": t.grad}.items():
            w.tensor(f"{key}.{k}", v)

# cross_entropy: logits (8, 10), labels in [0, 10); plain and smoothed.
logits0 = torch.randn(8, 10) * 2
labels = torch.randint(0, 10, (8,))
w.tensor("ce.logits", logits0)
w.tensor("ce.labels", labels.float())
for key, eps in (("plain", 0.0), ("smooth", 0.1)):
    lg = logits0.clone().requires_grad_()
    loss = F.cross_entropy(lg, labels, label_smoothing=eps)
    (loss * 1.7).backward()
    w.value(f"ce.{key}.eps", eps)
    w.tensor(f"ce.{key}.loss", loss)
    w.tensor(f"ce.{key}.glogits", lg.grad)  # gradient of 1.7 * loss

# mse_loss
p = torch.randn(4, 3, requires_grad=True)
t = torch.randn(4, 3, requires_grad=True)
loss = F.mse_loss(p, t)
loss.backward()
for k, v in {"p": p, "t": t, "loss": loss, "gp": p.grad, "gt": t.grad}.items():
    w.tensor("mse." + k, v)

w.save()
