"""Golden values for RMSprop, per-group optimizer options, gradient clipping and the
schedulers MultiStepLR, ExponentialLR, OneCycleLR and ReduceLROnPlateau, from PyTorch.

    /usr/bin/python3 tests/golden/gen_optim_extra.py   # writes optim_extra.json

Optimizers: parameters p0 (3, 4) and p1 (5) with 5 fixed gradients of varying scale, as in
gen_optim.py; "<variant>.step<k>.p<i>" after each step. Groups: p0 alone in group 0, p1 in
group 1 with its own options. Clipping: gradients before/after and the returned total norm.
Schedules: the lr (and OneCycle's momentum) of group 0 after construction and after each step;
ReduceLROnPlateau is stepped with the metric sequence "plateau.metrics".
"""
import torch

from golden_io import FixtureWriter

torch.manual_seed(12)
w = FixtureWriter("optim_extra.json", "tests/golden/gen_optim_extra.py")

STEPS = 5
init = [torch.randn(3, 4), torch.randn(5)]
scales = [3.0, 1.0, 0.2, 2.0, 0.1]
grads = [[torch.randn(3, 4) * s, torch.randn(5) * s] for s in scales]
for i, t in enumerate(init):
    w.tensor(f"init.p{i}", t)
for k, (g0, g1) in enumerate(grads):
    w.tensor(f"grad.step{k}.p0", g0)
    w.tensor(f"grad.step{k}.p1", g1)

O = torch.optim
variants = {
    "rmsprop": lambda ps: O.RMSprop(ps, lr=0.01),
    "rmsprop_momentum_wd": lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.1),
    "rmsprop_centered": lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6, centered=True, momentum=0.5),
    # Groups: group 1 overrides options, as the "no weight decay for BN and bias" recipe does.
    "sgd_groups": lambda ps: O.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "weight_decay": 0.0, "lr": 0.05,
                                                             "nesterov": True}],
                                   lr=0.1, momentum=0.9, weight_decay=0.05),
    "adamw_groups": lambda ps: O.AdamW([{"params": [ps[0]]}, {"params": [ps[1]], "weight_decay": 0.0,
                                                                 "betas": (0.8, 0.9)}], lr=0.01, weight_decay=0.1),
    "rmsprop_groups": lambda ps: O.RMSprop([{"params": [ps[0]], "centered": True}, {"params": [ps[1]], "momentum": 0.9}],
                                           lr=0.01),
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

# Gradient clipping on (p0, p1) with step 0's gradients.
for name, norm_type, max_norm in (("norm2", 2.0, 1.5), ("norm1", 1.0, 4.0), ("norminf", float("inf"), 0.5),
                                  ("norm2_noop", 2.0, 1e3)):
    ps = [t.clone().requires_grad_() for t in init]
    for p, g in zip(ps, grads[0]):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    w.value(f"clip.{name}.total", total.item())
    for i, p in enumerate(ps):
        w.tensor(f"clip.{name}.g{i}", p.grad)
ps = [t.clone().requires_grad_() for t in init]
for p, g in zip(ps, grads[0]):
    p.grad = g.clone()
torch.nn.utils.clip_grad_value_(ps, 0.7)
for i, p in enumerate(ps):
    w.tensor(f"clip.value.g{i}", p.grad)

SCHED_STEPS = 14


def run(make_opt, make_sched, steps=SCHED_STEPS, momentum_key=None):
    p = torch.zeros(1, requires_grad=True)
    opt = make_opt([p])
    sched = make_sched(opt)
    lr, mom = [opt.param_groups[0]["lr"]], []
    if momentum_key:
        mom.append(momentum(opt, momentum_key))
    for _ in range(steps):
        opt.step()
        sched.step()
        lr.append(opt.param_groups[0]["lr"])
        if momentum_key:
            mom.append(momentum(opt, momentum_key))
    return lr, mom


def momentum(opt, key):
    v = opt.param_groups[0][key]
    return v[0] if key == "betas" else v


sgd = lambda ps: O.SGD(ps, lr=0.1, momentum=0.9)
S = O.lr_scheduler
schedules = {
    "multistep": (sgd, lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5), None),
    "exponential": (sgd, lambda o: S.ExponentialLR(o, gamma=0.8), None),
    "onecycle_cos": (sgd, lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=SCHED_STEPS), "momentum"),
    "onecycle_linear_adam": (lambda ps: O.Adam(ps, lr=0.01),
                             lambda o: S.OneCycleLR(o, max_lr=0.02, total_steps=SCHED_STEPS, pct_start=0.4,
                                                    anneal_strategy="linear", div_factor=10, final_div_factor=100,
                                                    base_momentum=0.8, max_momentum=0.9), "betas"),
    "onecycle_three_phase": (sgd, lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=SCHED_STEPS, three_phase=True),
                             "momentum"),
}
for name, (make_opt, make_sched, key) in schedules.items():
    lr, mom = run(make_opt, make_sched, momentum_key=key)
    for i, x in enumerate(lr):
        w.value(f"sched.{name}.lr{i}", x)
    for i, x in enumerate(mom):
        w.value(f"sched.{name}.momentum{i}", x)

metrics = [1.0, 0.9, 0.95, 0.95, 0.9, 0.91, 0.92, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.2, 1.3]
for i, m in enumerate(metrics):
    w.value(f"plateau.metrics.{i}", m)
plateaus = {
    "min_rel": dict(mode="min", factor=0.5, patience=2),
    "min_abs_cooldown": dict(mode="min", factor=0.3, patience=1, threshold=0.01, threshold_mode="abs", cooldown=2,
                             min_lr=0.004),
    "max_rel": dict(mode="max", factor=0.1, patience=0, threshold=0.05),
}
for name, kw in plateaus.items():
    p = torch.zeros(1, requires_grad=True)
    opt = O.SGD([p], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, **kw)
    for i, m in enumerate(metrics):
        opt.step()
        sched.step(m)
        w.value(f"plateau.{name}.lr{i}", opt.param_groups[0]["lr"])

w.save()
