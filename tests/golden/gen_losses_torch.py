"""Golden values for the torch frontend's loss options, from PyTorch: NLLLoss,
CrossEntropyLoss (weight, ignore_index, reduction, label_smoothing) and BCEWithLogitsLoss
(weight, pos_weight, reduction), forward and the gradient with respect to the input.

    /usr/bin/python3 tests/golden/gen_losses_torch.py   # writes tests/golden/losses_torch.json

Case <name>: x (logits or log-probabilities), target, optional weight / pos_weight, the loss
(for reduction "none", the per-element losses), dy (upstream gradient of the loss) and dx.
"""
import torch
import torch.nn as nn

from golden_io import FixtureWriter

torch.manual_seed(3)
out = FixtureWriter("losses_torch.json", "tests/golden/gen_losses_torch.py")

N, C = 6, 4
logits = torch.randn(N, C) * 2
labels = torch.tensor([0, 3, 1, 1, 2, 3]).float()
labels_ignored = torch.tensor([0, 3, -100, 1, 2, -100]).float()
labels_ign2 = torch.tensor([0, 2, 2, 1, 2, 3]).float()
weight = torch.tensor([0.5, 2.0, 1.0, 0.25])

cases = {
    "nll_mean": ("nll", logits.log_softmax(1), labels, dict()),
    "nll_weight_ignore": ("nll", logits.log_softmax(1), labels_ignored, dict(weight=weight)),
    "nll_sum_ignore2": ("nll", logits.log_softmax(1), labels_ign2, dict(ignore_index=2, reduction="sum")),
    "nll_none_weight": ("nll", logits.log_softmax(1), labels, dict(weight=weight, reduction="none")),
    "ce_weight": ("ce", logits, labels, dict(weight=weight)),
    "ce_ignore_sum": ("ce", logits, labels_ignored, dict(reduction="sum")),
    "ce_none": ("ce", logits, labels, dict(reduction="none")),
    "ce_smooth_weight_ignore": ("ce", logits, labels_ignored, dict(weight=weight, label_smoothing=0.2)),
    "ce_smooth_ignore_mean": ("ce", logits, labels_ignored, dict(label_smoothing=0.1)),
    "ce_smooth_none": ("ce", logits, labels, dict(label_smoothing=0.3, reduction="none")),
}
for name, (kind, x, t, kw) in cases.items():
    x = x.detach().clone().requires_grad_()
    if kind == "nll":
        loss = nn.NLLLoss(**kw)(x, t.long())
    else:
        loss = nn.CrossEntropyLoss(**kw)(x, t.long())
    dy = torch.randn(loss.shape)
    loss.backward(dy)
    out.tensor(f"{name}.x", x)
    out.tensor(f"{name}.target", t)
    if "weight" in kw:
        out.tensor(f"{name}.weight", kw["weight"])
    out.tensor(f"{name}.loss", loss)
    out.tensor(f"{name}.dy", dy)
    out.tensor(f"{name}.dx", x.grad)

bx = torch.randn(5, 3) * 3
by = (torch.rand(5, 3) > 0.5).float()
bce = {
    "bce_mean": dict(),
    "bce_pos_weight": dict(pos_weight=torch.tensor([1.0, 3.0, 0.5])),
    "bce_weight_sum": dict(weight=torch.tensor([0.2, 1.0, 2.0]), reduction="sum"),
    "bce_none_both": dict(weight=torch.rand(5, 3), pos_weight=torch.tensor([2.0, 1.0, 0.1]), reduction="none"),
}
for name, kw in bce.items():
    x = bx.clone().requires_grad_()
    loss = nn.BCEWithLogitsLoss(**kw)(x, by)
    dy = torch.randn(loss.shape)
    loss.backward(dy)
    out.tensor(f"{name}.x", x)
    out.tensor(f"{name}.target", by)
    for k in ("weight", "pos_weight"):
        if k in kw:
            out.tensor(f"{name}.{k}", kw[k])
    out.tensor(f"{name}.loss", loss)
    out.tensor(f"{name}.dy", dy)
    out.tensor(f"{name}.dx", x.grad)

out.save()
