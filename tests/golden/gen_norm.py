"""Golden values for the normalization family (tests/core/test_norm_golden.cpp).

    /usr/bin/python3 tests/golden/gen_norm.py     # writes tests/golden/norm.json

Every case stores the input, the parameters, the output, a random projection `r` of the
output used as the upstream gradient (loss = sum(y * r)), the gradients, and running
statistics after each training step. Tolerance in the C++ tests: ~1e-5 (float32).
"""
import torch

from golden_io import FixtureWriter

torch.manual_seed(0)
fx = FixtureWriter("norm.json", "tests/golden/gen_norm.py")


def grads(key, module_or_fn, x, params):
    """Runs y = f(x), backprops r, and stores y, r, dx and the params' grads."""
    x = x.clone().requires_grad_(True)
    y = module_or_fn(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    fx.tensor(key + ".y", y)
    fx.tensor(key + ".r", r)
    fx.tensor(key + ".dx", x.grad)
    for name, p in params:
        if p is not None and p.grad is not None:
            fx.tensor(f"{key}.d{name}", p.grad)
            p.grad = None
    return y


def affine(m):
    with torch.no_grad():
        if m.weight is not None:
            m.weight.copy_(torch.rand_like(m.weight) + 0.5)
            m.bias.copy_(torch.randn_like(m.bias) * 0.5)


def params(m):
    return [("weight", m.weight), ("bias", m.bias)]


# ---- BatchNorm2d, momentum 0.1 and None, three training steps, then eval ------------------
for key, momentum in (("bn2d", 0.1), ("bn2d_cum", None)):
    m = torch.nn.BatchNorm2d(3, momentum=momentum)
    affine(m)
    fx.tensor(key + ".weight", m.weight)
    fx.tensor(key + ".bias", m.bias)
    m.train()
    for step in range(3):
        x = torch.randn(4, 3, 3, 3) * (step + 1) + step
        fx.tensor(f"{key}.step{step}.x", x)
        grads(f"{key}.step{step}", m, x, params(m))
        fx.tensor(f"{key}.step{step}.running_mean", m.running_mean)
        fx.tensor(f"{key}.step{step}.running_var", m.running_var)
        fx.value(f"{key}.step{step}.num_batches_tracked", m.num_batches_tracked.item())
    m.eval()
    x = torch.randn(2, 3, 3, 3)
    fx.tensor(key + ".eval.x", x)
    grads(key + ".eval", m, x, params(m))

# ---- track_running_stats=False: batch statistics in eval too ------------------------------
m = torch.nn.BatchNorm2d(3, track_running_stats=False).eval()
x = torch.randn(3, 3, 2, 2)
fx.tensor("bn2d_notrack.x", x)
grads("bn2d_notrack", m, x, params(m))

# ---- BatchNorm1d on (N, C) --------------------------------------------------------------------
m = torch.nn.BatchNorm1d(4)
affine(m)
fx.tensor("bn1d.weight", m.weight)
fx.tensor("bn1d.bias", m.bias)
x = torch.randn(5, 4) * 2 + 1
fx.tensor("bn1d.x", x)
grads("bn1d", m, x, params(m))
fx.tensor("bn1d.running_mean", m.running_mean)
fx.tensor("bn1d.running_var", m.running_var)

# ---- InstanceNorm2d: plain, affine, tracking ------------------------------------------------
x = torch.randn(2, 3, 3, 3) * 1.5 + 0.5
fx.tensor("in.x", x)
grads("in_plain", torch.nn.InstanceNorm2d(3), x, [])
m = torch.nn.InstanceNorm2d(3, affine=True)
affine(m)
fx.tensor("in_affine.weight", m.weight)
fx.tensor("in_affine.bias", m.bias)
grads("in_affine", m, x, params(m))
m = torch.nn.InstanceNorm2d(3, track_running_stats=True)
for step in range(2):
    xs = torch.randn(2, 3, 3, 3) + step
    fx.tensor(f"in_track.step{step}.x", xs)
    grads(f"in_track.step{step}", m, xs, [])
    fx.tensor(f"in_track.step{step}.running_mean", m.running_mean)
    fx.tensor(f"in_track.step{step}.running_var", m.running_var)
m.eval()
grads("in_track.eval", m, x, [])

# ---- GroupNorm G = 1, 2, C ----------------------------------------------------------------------
x = torch.randn(2, 4, 3, 3) * 2 - 1
fx.tensor("gn.x", x)
for g in (1, 2, 4):
    m = torch.nn.GroupNorm(g, 4)
    affine(m)
    fx.tensor(f"gn{g}.weight", m.weight)
    fx.tensor(f"gn{g}.bias", m.bias)
    grads(f"gn{g}", m, x, params(m))

# ---- LayerNorm over the last two axes ------------------------------------------------------------
m = torch.nn.LayerNorm([4, 5])
affine(m)
fx.tensor("ln.weight", m.weight)
fx.tensor("ln.bias", m.bias)
x = torch.randn(2, 2, 4, 5) * 3 + 2
fx.tensor("ln.x", x)
grads("ln", m, x, params(m))


# ---- the seeds' two per-channel norms (written as in the seeds, in NCHW) -------------------------
def seed_keras(x):  # tf.math.reduce_std is the biased std; eps added to the std
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True, unbiased=False) + 1e-7
    return (x - mean) / std


def seed_torch(x):  # x.std() is unbiased; eps added to the std
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True) + 1e-7
    return (x - mean) / std


for hw in (2, 4):
    x = torch.randn(2, 2, hw, hw) * 2 + 1
    fx.tensor(f"seed{hw}.x", x)
    grads(f"seed_keras{hw}", seed_keras, x, [])
    grads(f"seed_torch{hw}", seed_torch, x, [])

fx.save()
