"""Golden strings for janus' tensor printing: repr(t) from PyTorch 1.13 for shapes and values
that exercise its formats (integer-valued, fixed, scientific, negatives, nan/inf, wrapping at
80 columns, "..." summaries, empty tensors, requires_grad).

    /usr/bin/python3 tests/golden/gen_tensor_print.py   # writes tests/golden/tensor_print.json

Case <name>: tensor <name> (the values, float32) and text <name> (torch's repr). A name ending
in "_rg" marks a leaf with requires_grad=True.
"""
import torch

from golden_io import FixtureWriter

torch.manual_seed(0)
out = FixtureWriter("tensor_print.json", "tests/golden/gen_tensor_print.py")

CASES = {
    "ints_2x2": torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "ints_signed": torch.tensor([-1.0, 0.0, 10.0]),
    "zeros": torch.zeros(2, 3),
    "fixed_mixed": torch.tensor([[1.5, -2.25], [3.0, 400.0]]),
    "fixed_small": torch.tensor([0.001, 1.0]),
    "randn_2x2x3": torch.randn(2, 2, 3),
    "randn_4x5": torch.randn(4, 5) * 3,
    "sci_small": torch.tensor([1e-5, 1.0, 2.0]),
    "sci_large": torch.tensor([1e9, 1.0]),
    "sci_ratio": torch.tensor([123456.7, 0.5]),
    "sci_negative": torch.tensor([-0.0001, 3.0]),
    "ints_large_sci": torch.tensor([2e8, 1.0]),
    "nonfinite": torch.tensor([float("nan"), 1.0, float("inf"), -float("inf")]),
    "nonfinite_fixed": torch.tensor([float("nan"), 1.5, -2.0]),
    "scalar": torch.tensor(3.5),
    "scalar_int": torch.tensor(-2.0),
    "scalar_zero": torch.tensor(0.0),
    "wrap_1x30": torch.arange(30.0).reshape(1, 30),
    "wrap_fixed_25": torch.randn(25),
    "summary_2000": torch.arange(2000.0),
    "summary_20x100": torch.arange(2000.0).reshape(20, 100) / 7,
    "summary_3d": torch.randn(10, 3, 40),
    "empty_1d": torch.zeros(0),
    "empty_2x0": torch.zeros(2, 0),
    "column_5x1": torch.randn(5, 1),
    "rg_vector_rg": torch.tensor([1.0, 2.0]),
    "rg_wide_rg": torch.randn(2, 8),
}
for name, t in CASES.items():
    if name.endswith("_rg"):
        t = t.clone().requires_grad_()
    out.tensor(name, t)
    out.text(name, repr(t))

out.save()
