"""The header every PyTorch side of a janus benchmark prints first (as bench/bench_header.h does
for janus): CPU model, the ISA of ATen's kernels and of oneDNN's convolution, and this run's
SGEMM peak (best square 1024/2048 torch.mm on the given thread count).

    import torch_header; torch_header.print_header("torch_conv_bench", threads)
    /usr/bin/python3 bench/torch_header.py --threads 2        # the header alone
"""
import argparse
import os
import re
import subprocess
import sys
import time

import torch


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def aten_capability():
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def onednn_conv_isa():
    """The implementation oneDNN picks for a 3x3 convolution (DNNL_VERBOSE in a subprocess)."""
    code = "import torch; torch.nn.functional.conv2d(torch.randn(2, 32, 16, 16), torch.randn(32, 32, 3, 3), padding=1)"
    env = dict(os.environ, DNNL_VERBOSE="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
    m = re.search(r"convolution,([^,]+),", out)
    return m.group(1) if m else "not oneDNN"


def sgemm_peak(threads):
    torch.set_num_threads(threads)
    best = 0.0
    for n in (1024, 2048):
        a, b = torch.rand(n, n), torch.rand(n, n)
        torch.mm(a, b)
        total = 0.0
        while total < 1.0:
            t0 = time.perf_counter()
            torch.mm(a, b)
            t = time.perf_counter() - t0
            total += t
            best = max(best, 2.0 * n ** 3 / t / 1e9)
    return best


def print_header(program, threads):
    peak = sgemm_peak(threads)
    print(f"# {program}: CPU {cpu_model()}; torch {torch.__version__} ATen {aten_capability()}, "
          f"oneDNN conv {onednn_conv_isa()}")
    print(f"# SGEMM peak this run (torch.mm square 1024/2048, best, {threads} threads): {peak:.1f} GFLOP/s")
    sys.stdout.flush()
    return peak


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    print_header("torch", p.parse_args().threads)
