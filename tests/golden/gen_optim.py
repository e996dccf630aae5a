"""Golden values for janus' optimizers and learning-rate schedules, from PyTorch.

    /usr/bin/python3 tests/golden/gen_optim.py   # writes optim.json

Optimizers: two parameters p0 (3, 4), p1 (5) and a third p2 (2) that never gets a
gradient (it must stay unchanged); 5 steps with a fixed sequence of gradients whose scale
varies (so that AMSGrad's running maximum matters; its variants use a small beta2 so
that the second moment decays within 5 steps). After each step the parameters are
stored as "<variant>.step<k>.p<i>". The C++ test (tests/core/test_optim.cpp) feeds the
same gradients and compares within 1e-6 (absolute and relative).
Schedules: the lr of group 0 after construction and after each of 14 steps.
"""
import math

import torch

from golden_io import FixtureWriter

torch.manual_seed(11)
w = FixtureWriter("optim.json", "tests/golden/gen_optim.py")

STEPS = 5
init = [torch.randn(3, 4), torch.randn(5), torch.randn(2)]
scales = [3.0, 1.0, 0.2, 2.0, 0.1]
grads = [[torch.randn(3, 4) * s, torch.randn(5) * s] for s in scales]
for i, t in enumerate(init):
    w.tensor(f"init.p{i}", t)
for k, (g0, g1) in enumerate(grads):
    w.tensor(f"grad.step{k}.p0", g0)
    w.tensor(f"grad.step{k}.p1", g1)

variants = {
    "sgd_plain": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "sgd_momentum_dampening": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.3),
    "sgd_nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, weight_decay=0.05),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.01),
    "adam_weight_decay": lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
    "adam_amsgrad": lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.5), amsgrad=True),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "adamw_amsgrad": lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.6), amsgrad=True),
}
for name, make in variants.items():
    ps = [t.clone().requires_grad_() for t in init]
    opt = make(ps)
    for k in range(STEPS):
        opt.zero_grad()
        ps[0].grad = grads[k][0].clone()
        ps[1].grad = grads[k][1].clone()
        opt.step()
        for i, p in enumerate(ps):
            w.tensor(f"{name}.step{k}.p{i}", p)

SCHED_STEPS = 14


def lrs(make_sched, base_lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_sched(opt)
    out = [sched.get_last_lr()[0]]
    for _ in range(SCHED_STEPS):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return torch.tensor(out, dtype=torch.float64)


WARM, TOTAL = 3, 12
recipe = lambda s: min(1.0, (s + 1) / WARM) if WARM and s < WARM else 0.5 * (1 + math.cos(math.pi * (s - WARM) / max(1, TOTAL - WARM)))
schedules = {
    "step_lr": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "linear_warmup": lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4),
    "lambda_warmup_cosine": lambda o: torch.optim.lr_scheduler.LambdaLR(o, recipe),
}
for name, make in schedules.items():
    v = lrs(make)
    # Stored as exact doubles.
    for i, x in enumerate(v.tolist()):
        w.value(f"sched.{name}.{i}", x)

w.save()
