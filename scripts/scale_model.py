#!/usr/bin/env python3
"""Scale on paper: the alpha-beta model of data-parallel training of the benchmark CNN.

Fits alpha (seconds per message) and beta (seconds per byte) of MPI_Allreduce to the output of
bench/allreduce_bench (the shared-memory figures of this machine), then predicts the step time
and weak-scaling efficiency of the benchmark CNN at 2..512 nodes on 10 and 100 Gb/s links from
the collectives janus issues per step (docs/distributed.md explains every term). Python 3
standard library only, so it reruns anywhere:

  mpirun ... -np 2 build/bench/allreduce_bench > /tmp/allreduce.txt
  python3 scripts/scale_model.py --bench /tmp/allreduce.txt --compute 'batch 64 per node=70'
  python3 scripts/scale_model.py --check        # the arithmetic on known cases (a ctest)
"""
import argparse
import math
import re
import sys

# The benchmark CNN (examples/common/bench_cnn.cpp): five bias-free 3x3 convolutions, each
# followed by a norm with a per-channel affine (C gamma + C beta), and Linear(2048, 10).
CONVS = [(3, 32), (32, 32), (32, 64), (64, 64), (64, 128)]
NORM_CHANNELS = [c for _, c in CONVS]
LINEAR = (2048, 10)


def bench_cnn_parameters():
    conv = sum(cin * cout * 9 for cin, cout in CONVS)
    norm = sum(2 * c for c in NORM_CHANNELS)
    linear = LINEAR[0] * LINEAR[1] + LINEAR[1]
    return conv + norm + linear


def bn_buffers():
    # running_mean + running_var per channel and one num_batches_tracked per layer (floats).
    return sum(2 * c + 1 for c in NORM_CHANNELS)


# ---- collective cost models, t in seconds, n in bytes --------------------------------------
def ring_allreduce(n, p, alpha, beta):
    """Reduce-scatter + allgather around a ring: 2 (p-1) messages, each rank sends 2 (p-1)/p n."""
    if p == 1:
        return 0.0
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta


def rd_allreduce(n, p, alpha, beta):
    """Recursive doubling (small messages): log2 p rounds, each the whole vector."""
    if p == 1:
        return 0.0
    return math.ceil(math.log2(p)) * (alpha + n * beta)


def rabenseifner_allreduce(n, p, alpha, beta):
    """Recursive-halving reduce-scatter + recursive-doubling allgather: the ring's bandwidth
    term with a log2 p latency (large messages on many nodes)."""
    if p == 1:
        return 0.0
    return 2 * math.ceil(math.log2(p)) * alpha + 2 * (p - 1) / p * n * beta


def ring_allgather(w, p, alpha, beta):
    """Each rank contributes w bytes and receives the other (p-1) w: grows with p."""
    if p == 1:
        return 0.0
    return (p - 1) * (alpha + w * beta)


def tree_broadcast(n, p, alpha, beta):
    if p == 1:
        return 0.0
    return math.ceil(math.log2(p)) * (alpha + n * beta)


def step_collectives(norm):
    """The collectives of one DistributedDataParallel training step, as janus issues them.

    (name, kind, bytes, count); kind: allreduce | allgather | broadcast."""
    grad = 4 * bench_cnn_parameters()
    out = [("gradient (one fused bucket)", "allreduce", grad, 1),
           ("loss scale (local count)", "allreduce", 8, 1)]
    if norm in ("bn", "syncbn"):
        out.append(("running stats broadcast (broadcast_buffers)", "broadcast", 4 * bn_buffers(), 1))
    if norm == "syncbn":
        for c in NORM_CHANNELS:
            out.append((f"SyncBN fwd C={c}: (count, mean, M2)", "allgather", 8 * (1 + 2 * c), 1))
        for c in NORM_CHANNELS:
            out.append((f"SyncBN bwd C={c}: (sum dy, sum dy x_hat)", "allreduce", 16 * c, 1))
    return out


def comm_time(norm, p, alpha, beta, algo="ring", packed=False):
    """Seconds of communication per step. algo 'ring': every collective as the ring formulas
    (what the issue's model asks). algo 'rd': log2 p latencies, as MPI libraries choose for
    many nodes: messages under 64 KB by recursive doubling, the gradient by Rabenseifner.
    packed: SyncBN's forward as one fixed-size allreduce of (count, sum, sum of squares)
    instead of an allgather that grows with p."""
    parts = {"gradient": 0.0, "syncbn": 0.0, "other": 0.0}
    for name, kind, n, count in step_collectives(norm):
        small = n < 65536
        if kind == "allreduce":
            if algo == "rd":
                t = rd_allreduce(n, p, alpha, beta) if small else rabenseifner_allreduce(n, p, alpha, beta)
            else:
                t = ring_allreduce(n, p, alpha, beta)
        elif kind == "allgather":
            if packed:
                t = rd_allreduce(n, p, alpha, beta) if algo == "rd" else ring_allreduce(n, p, alpha, beta)
            elif algo == "rd":
                t = math.ceil(math.log2(p)) * alpha + (p - 1) * n * beta if p > 1 else 0.0
            else:
                t = ring_allgather(n, p, alpha, beta)
        else:
            t = tree_broadcast(n, p, alpha, beta)
        key = "gradient" if name.startswith("gradient") else ("syncbn" if name.startswith("SyncBN") else "other")
        parts[key] += count * t
    return parts


# ---- the measured figures ---------------------------------------------------------------
def parse_bench(text):
    """Rows (bytes, seconds) and the rank count from allreduce_bench's output."""
    m = re.search(r"\((\d+) ranks?\)", text)
    p = int(m.group(1)) if m else 2
    rows = []
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0].isdigit():
            try:
                rows.append((int(f[0]), float(f[1]) * 1e-6))
            except ValueError:
                pass
    if not rows:
        raise SystemExit("scale_model: no 'bytes time(us) ...' rows in the --bench file (expected allreduce_bench's output)")
    return p, rows


def fit_alpha_beta(p, rows):
    """Least squares of t = 2 (p-1) alpha + 2 (p-1)/p n beta, weighted by 1/t (relative error),
    so the small sizes fix alpha and the large ones beta."""
    a = [(2 * (p - 1), 2 * (p - 1) / p * n, t) for n, t in rows]
    s11 = sum((x / t) ** 2 for x, _, t in a)
    s12 = sum(x * y / t ** 2 for x, y, t in a)
    s22 = sum((y / t) ** 2 for _, y, t in a)
    b1 = sum(x / t for x, _, t in a)
    b2 = sum(y / t for _, y, t in a)
    det = s11 * s22 - s12 * s12
    alpha = (b1 * s22 - b2 * s12) / det
    beta = (s11 * b2 - s12 * b1) / det
    return max(alpha, 0.0), max(beta, 1e-15)


def fmt_t(s):
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} us"


def report(args):
    nparams = bench_cnn_parameters()
    print(f"benchmark CNN: {nparams} parameters = {4 * nparams} bytes of float32 gradient "
          f"(convs {sum(a * b * 9 for a, b in CONVS)}, norm affine {sum(2 * c for c in NORM_CHANNELS)}, "
          f"linear {LINEAR[0] * LINEAR[1] + LINEAR[1]}); BN buffers {bn_buffers()} floats")
    print("\ncollectives per training step (DistributedDataParallel, no overlap with backward):")
    for norm in ("bn", "syncbn"):
        cs = step_collectives(norm)
        print(f"  {norm}: {sum(c for *_, c in cs)} collectives")
        for name, kind, n, count in cs:
            print(f"    {count} x {kind:9s} {n:>8d} B  {name}")
    if args.bench:
        with open(args.bench) as f:
            p, rows = parse_bench(f.read())
        alpha, beta = fit_alpha_beta(p, rows)
        print(f"\nmeasured here ({args.bench}, {p} ranks, shared memory): fit alpha = {alpha * 1e6:.2f} us, "
              f"bandwidth 1/beta = {1 / beta / 1e9:.2f} GB/s")
        print(f"  {'bytes':>10} {'measured':>12} {'model':>12}")
        for n, t in rows:
            print(f"  {n:>10d} {fmt_t(t):>12} {fmt_t(ring_allreduce(n, p, alpha, beta)):>12}")
        g = 4 * nparams
        print(f"  the gradient ({g} B) at p={p}: model {fmt_t(ring_allreduce(g, p, alpha, beta))}")
    a_net = args.net_alpha_us * 1e-6
    print(f"\nprediction on a real network: alpha = {args.net_alpha_us:g} us per message (assumed, not the "
          f"shared-memory figure above); weak scaling (the per-node batch fixed, the global batch p times it); "
          f"no overlap: step = compute + comm, efficiency = compute / step")
    for label, ms in args.compute:
        compute = ms * 1e-3
        for gbps in args.links:
            beta = 8 / (gbps * 1e9)
            print(f"\n{label}: compute {ms:g} ms per step; {gbps:g} Gb/s links ({gbps / 8:g} GB/s); ring algorithms "
                  f"(last column: log-latency algorithms and SyncBN's forward as one packed allreduce)")
            print(f"  {'nodes':>5} {'gradient':>10} {'(latency)':>10} {'bn comm':>10} {'bn eff':>7} "
                  f"{'SyncBN only':>11} {'syncbn comm':>11} {'syncbn eff':>10} {'log-latency+packed':>18}")
            for p in args.nodes:
                lat = 2 * (p - 1) * a_net
                bn = sum(comm_time("bn", p, a_net, beta).values())
                sb = comm_time("syncbn", p, a_net, beta)
                better = sum(comm_time("syncbn", p, a_net, beta, algo="rd", packed=True).values())
                print(f"  {p:>5} {fmt_t(sb['gradient']):>10} {fmt_t(lat):>10} {fmt_t(bn):>10} "
                      f"{100 * compute / (compute + bn):>6.1f}% {fmt_t(sb['syncbn']):>11} {fmt_t(sum(sb.values())):>11} "
                      f"{100 * compute / (compute + sum(sb.values())):>9.1f}% {100 * compute / (compute + better):>17.1f}%")
    return 0


def check():
    """The arithmetic on cases worked by hand; exits non-zero on a mismatch."""
    ok = True

    def expect(what, got, want):
        nonlocal ok
        good = abs(got - want) <= 1e-9 * max(abs(want), 1e-30)
        print(f"{'ok  ' if good else 'FAIL'} {what}: {got!r} (expected {want!r})")
        ok = ok and good

    # 864 + 9216 + 18432 + 36864 + 73728 conv, 2 * 320 affine, 20480 + 10 linear.
    expect("benchmark CNN parameters", bench_cnn_parameters(), 160234)
    expect("BN buffers", bn_buffers(), 645)
    # p = 2, 1 MB, alpha 1 us, 1 GB/s: 2 * 1 us + 2 * 1/2 * 1 ms = 1.002 ms.
    expect("ring allreduce p=2 1MB", ring_allreduce(1e6, 2, 1e-6, 1e-9), 1.002e-3)
    # p = 4: 6 us + 1.5 ms.
    expect("ring allreduce p=4 1MB", ring_allreduce(1e6, 4, 1e-6, 1e-9), 1.506e-3)
    expect("ring allgather p=4 1KB", ring_allgather(1000, 4, 1e-6, 1e-9), 3 * (1e-6 + 1e-6))
    expect("recursive doubling p=512 8B", rd_allreduce(8, 512, 1e-6, 1e-9), 9 * (1e-6 + 8e-9))
    expect("Rabenseifner p=512 1MB", rabenseifner_allreduce(1e6, 512, 1e-6, 1e-9), 18e-6 + 2 * 511 / 512 * 1e-3)
    # allreduce_bench's output is parsed: its rank count and (bytes, seconds) rows.
    sample = ("allreduce_bench: Open MPI (2 ranks), median of 30 reps, time of the slowest rank\n"
              "       bytes    time (us)   busbw (GB/s)     ordered (us)\n"
              "           4          0.3          0.014              0.3\n"
              "     1048576         62.4         16.793            149.2\n"
              "SyncBN per layer (128 channels): forward allgather 0.6 us, backward allreduce 0.7 us\n")
    p, rows = parse_bench(sample)
    expect("bench ranks", p, 2)
    expect("bench rows", len(rows), 2)
    expect("bench 1 MB time", rows[1][1], 62.4e-6)
    # A fit recovers the alpha and beta it was made from.
    rows = [(n, ring_allreduce(n, 2, 0.3e-6, 1 / 15e9)) for n in (4, 64, 1024, 16384, 262144, 4194304)]
    a, b = fit_alpha_beta(2, rows)
    expect("fit alpha", a, 0.3e-6)
    expect("fit bandwidth", 1 / b, 15e9)
    return 0 if ok else 1


def compute_arg(text):
    label, sep, ms = text.rpartition("=")
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"expected LABEL=MS such as 'batch 64 per node=70' (got {text!r})")
    return label, float(ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", help="output of bench/allreduce_bench under mpirun (fits alpha, beta)")
    ap.add_argument("--compute", action="append", default=[], type=compute_arg, metavar="'LABEL=MS'",
                    help="a per-node compute time of one step and what it is (repeatable), e.g. "
                         "'batch 64 per node (train_bench, 2 threads)=70'")
    ap.add_argument("--net-alpha-us", type=float, default=5.0, help="per-message latency of the real network")
    ap.add_argument("--links", type=lambda s: [float(x) for x in s.split(",")], default=[10.0, 100.0],
                    help="link speeds in Gb/s")
    ap.add_argument("--nodes", type=lambda s: [int(x) for x in s.split(",")], default=[2, 8, 64, 512])
    ap.add_argument("--check", action="store_true", help="check the arithmetic on known cases and exit")
    args = ap.parse_args()
    if args.check:
        return check()
    if not args.compute:
        ap.error("--compute 'LABEL=MS' is required (measure it: build/bench/train_bench --threads 2 --batch 64)")
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
