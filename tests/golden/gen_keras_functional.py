"""Golden values for the Keras functional API: a small residual network written in PyTorch
with Keras' conventions (channels-last at the boundaries, BatchNormalization with eps 1e-3 and
momentum 0.99 on the old value, biased moving variance, Flatten in (H, W, C) order).

    /usr/bin/python3 tests/golden/gen_keras_functional.py   # writes tests/golden/keras_functional.json

The Keras model it stands for (tests/frontends/test_keras_functional.cpp builds it):
    x = Input((6, 6, 4))
    h = Conv2D(4, 3, padding="same", use_bias=False)(x); h = BatchNormalization()(h); h = ReLU()(h)
    h = Conv2D(4, 3, padding="same", use_bias=False)(h); h = BatchNormalization()(h)
    h = ReLU()(Add()([h, x]))
    c = Concatenate()([h, x])                      # (6, 6, 8)
    y = Dense(3)(Flatten()(MaxPooling2D(2)(c)))     # 72 -> 3
Weights are stored in Keras layouts: Conv2D kernel (kh, kw, in, out), Dense kernel (in, out).
Stored: the input, the weights, the inference output (moving statistics), the training output,
the mse loss against a target, the gradients of every weight, the moving statistics after that
training step.
"""
import torch
import torch.nn.functional as F

from golden_io import FixtureWriter

torch.manual_seed(0)
EPS, MOMENTUM = 1e-3, 0.99


def q(t):
    """Rounds to multiples of 1/16 so that the JSON stays small."""
    return torch.round(t * 16) / 16


out = FixtureWriter("keras_functional.json", "tests/golden/gen_keras_functional.py")
x_nhwc = q(torch.randn(3, 6, 6, 4))
target = q(torch.randn(3, 3))
k1 = q(torch.randn(3, 3, 4, 4) * 0.25).requires_grad_()   # Keras (kh, kw, in, out)
k2 = q(torch.randn(3, 3, 4, 4) * 0.25).requires_grad_()
bn = []
for i in range(2):
    gamma = q(1 + 0.25 * torch.randn(4)).requires_grad_()
    beta = q(0.25 * torch.randn(4)).requires_grad_()
    mean = q(0.25 * torch.randn(4))
    var = q(0.5 + torch.rand(4))
    bn.append((gamma, beta, mean, var))
dk = q(torch.randn(72, 3) * 0.125).requires_grad_()
db = q(torch.randn(3) * 0.25).requires_grad_()


def conv(h, k):
    return F.conv2d(h, k.permute(3, 2, 0, 1), padding=1)


def batch_norm(h, p, training):
    gamma, beta, mean, var = p
    if training:
        m = h.mean(dim=(0, 2, 3))
        v = h.var(dim=(0, 2, 3), unbiased=False)
    else:
        m, v = mean, var
    y = (h - m[None, :, None, None]) / torch.sqrt(v[None, :, None, None] + EPS)
    return y * gamma[None, :, None, None] + beta[None, :, None, None], m.detach(), v.detach()


def net(training):
    x = x_nhwc.permute(0, 3, 1, 2)
    h, m1, v1 = batch_norm(conv(x, k1), bn[0], training)
    h = F.relu(h)
    h, m2, v2 = batch_norm(conv(h, k2), bn[1], training)
    h = F.relu(h + x)
    c = torch.cat([h, x], dim=1)
    p = F.max_pool2d(c, 2)
    f = p.permute(0, 2, 3, 1).reshape(p.shape[0], -1)
    return f @ dk + db, [(m1, v1), (m2, v2)]


y_eval, _ = net(False)
y_train, stats = net(True)
loss = ((y_train - target) ** 2).mean()
loss.backward()

out.tensor("x", x_nhwc)
out.tensor("target", target)
out.tensor("conv2d/kernel", k1)
out.tensor("conv2d_1/kernel", k2)
for i, (gamma, beta, mean, var) in enumerate(bn):
    name = "batch_normalization" + ("" if i == 0 else f"_{i}")
    out.tensor(f"{name}/gamma", gamma)
    out.tensor(f"{name}/beta", beta)
    out.tensor(f"{name}/moving_mean", mean)
    out.tensor(f"{name}/moving_variance", var)
    m, v = stats[i]
    out.tensor(f"{name}/moving_mean.after", MOMENTUM * mean + (1 - MOMENTUM) * m)
    out.tensor(f"{name}/moving_variance.after", MOMENTUM * var + (1 - MOMENTUM) * v)
    out.tensor(f"{name}/gamma.grad", gamma.grad)
    out.tensor(f"{name}/beta.grad", beta.grad)
out.tensor("dense/kernel", dk)
out.tensor("dense/bias", db)
out.tensor("conv2d/kernel.grad", k1.grad)
out.tensor("conv2d_1/kernel.grad", k2.grad)
out.tensor("dense/kernel.grad", dk.grad)
out.tensor("dense/bias.grad", db.grad)
out.tensor("y_eval", y_eval)
out.tensor("y_train", y_train)
out.value("loss", loss.item())
out.save()
