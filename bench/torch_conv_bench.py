"""PyTorch side of bench/conv_bench.cpp: forward + backward (dx, dw) of the benchmark CNN's
five 3x3 convolutions (batch 64, padding 1, no bias) on 2 threads, same FLOP count.

    /usr/bin/python3 bench/torch_conv_bench.py [--threads 2] [--batch 64] [--reps 10]
"""
import argparse
import time

import torch
import torch.nn.functional as F

import torch_header

LAYERS = [(3, 32, 32), (32, 32, 32), (32, 64, 16), (64, 64, 16), (64, 128, 8)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--reps", type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    torch_header.print_header("torch_conv_bench", a.threads)
    print(f"torch {torch.__version__} conv bench: threads={a.threads} batch={a.batch} reps={a.reps} (best of reps)")
    print(f"{'layer':<22} {'fwd ms':>9} {'bwd ms':>9} {'total ms':>9} {'GFLOP/s':>10}")
    all_flops = all_fwd = all_bwd = 0.0
    for cin, cout, hw in LAYERS:
        x = torch.randn(a.batch, cin, hw, hw, requires_grad=True)
        w = (torch.randn(cout, cin, 3, 3) * 0.1).requires_grad_()
        dy = torch.randn(a.batch, cout, hw, hw)
        fwd = bwd = float("inf")  # best of reps: robust to other work on the machine
        for r in range(a.reps + 2):  # the first two are warm-up
            x.grad = None
            w.grad = None
            t0 = time.perf_counter()
            y = F.conv2d(x, w, None, padding=1)
            t1 = time.perf_counter()
            y.backward(dy)
            t2 = time.perf_counter()
            if r >= 2:
                fwd = min(fwd, t1 - t0)
                bwd = min(bwd, t2 - t1)
        flops = 3 * 2.0 * cout * (a.batch * hw * hw) * (cin * 9)
        print(f"{f'{cin}->{cout} @{hw}x{hw}':<22} {fwd * 1e3:>9.2f} {bwd * 1e3:>9.2f} {(fwd + bwd) * 1e3:>9.2f} "
              f"{flops / (fwd + bwd) / 1e9:>10.1f}")
        all_flops += flops
        all_fwd += fwd
        all_bwd += bwd
    total = all_fwd + all_bwd
    print(f"{'total (fwd+dx+dw)':<22} {all_fwd * 1e3:>9.2f} {all_bwd * 1e3:>9.2f} {total * 1e3:>9.2f} "
          f"{all_flops / total / 1e9:>10.1f}")


if __name__ == "__main__":
    main()
