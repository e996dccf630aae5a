"""PyTorch side of bench/norm_bench.cpp: BatchNorm2d + ReLU forward + backward, batch 64,
2 threads, on the same shapes; prints a table and writes "HxWxC ms" lines for the C++ bench.

    /usr/bin/python3 bench/torch_norm_bench.py [/tmp/torch_norm.txt]
"""
import statistics
import sys
import time

import torch

import torch_header

torch.set_num_threads(2)
torch_header.print_header("torch_norm_bench", 2)
out_path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/torch_norm.txt"
lines = []
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
for h, w, c in ((32, 32, 32), (16, 16, 64), (8, 8, 128)):
    model = torch.nn.Sequential(torch.nn.BatchNorm2d(c), torch.nn.ReLU()).train()
    x = torch.randn(64, c, h, w, requires_grad=True)
    dy = torch.randn(64, c, h, w)
    times = []
    for rep in range(33):
        x.grad = None
        model.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        y = model(x)
        y.backward(dy)
        t = (time.perf_counter() - t0) * 1e3
        if rep >= 3:
            times.append(t)
    ms = statistics.median(times)
    print(f"{h}x{w}x{c}: {ms:.3f} ms")
    lines.append(f"{h}x{w}x{c} {ms:.4f}\n")
with open(out_path, "w") as f:
    f.writelines(lines)
