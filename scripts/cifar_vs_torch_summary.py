#!/usr/bin/env python3
"""Side-by-side table for scripts/cifar_vs_torch.sh: janus' all_runs.csv against the PyTorch
reference's per-run CSVs. Standard library only. Usage: cifar_vs_torch_summary.py OUT_DIR"""
import csv, glob, math, os, re, statistics, sys


def final_rows_janus(out):
    """{(norm, seed): last-epoch row} from compare_norms' all_runs.csv."""
    path = os.path.join(out, "janus", "all_runs.csv")
    if not os.path.exists(path):
        return {}
    last = {}
    for row in csv.DictReader(open(path)):
        key = (row["norm"], int(float(row["seed"])))
        if key not in last or int(row["epoch"]) > int(last[key]["epoch"]):
            last[key] = row
    return last


def final_rows_torch(out):
    last = {}
    for path in glob.glob(os.path.join(out, "torch_*_seed*.csv")):
        m = re.match(r"torch_(\w+?)_seed(\d+)\.csv$", os.path.basename(path))
        rows = list(csv.DictReader(open(path)))
        if m and rows:
            last[(m.group(1), int(m.group(2)))] = rows[-1]
    return last


def mean_sd(xs):
    return (statistics.mean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0) if xs else (float("nan"), 0.0)


def verdict(points):
    """Issue 5's criterion: within 1.5 points; NaN when one side has no runs yet."""
    if math.isnan(points):
        return "missing runs"
    return "within 1.5" if abs(points) <= 1.5 else "OUTSIDE 1.5"


def main():
    out = sys.argv[1]
    janus, torch = final_rows_janus(out), final_rows_torch(out)
    norms = sorted({k[0] for k in list(janus) + list(torch)}, key=lambda n: (n != "bn", n))
    means = {}
    print("| norm | framework | final test acc per seed | mean ± sd | s/epoch (training + test) |")
    print("|---|---|---|---|---|")
    for norm in norms:
        for name, runs in (("janus", janus), ("PyTorch", torch)):
            seeds = sorted(s for (n, s) in runs if n == norm)
            accs = [float(runs[(norm, s)]["test_acc"]) for s in seeds]
            secs = [float(runs[(norm, s)]["seconds"]) for s in seeds]
            m, sd = mean_sd(accs)
            means[(norm, name)] = m
            per_seed = " / ".join(f"{a:.4f} (seed {s})" for a, s in zip(accs, seeds)) or "-"
            print(f"| {norm} | {name} | {per_seed} | {m:.4f} ± {sd:.4f} | {statistics.mean(secs) if secs else float('nan'):.1f} |")
    print()
    for norm in norms:
        d = 100 * (means[(norm, "janus")] - means[(norm, "PyTorch")])
        print(f"- {norm}: janus − PyTorch mean = {d:+.2f} points ({verdict(d)})")
    if "bn" in norms and "pcn" in norms:
        gj = 100 * (means[("bn", "janus")] - means[("pcn", "janus")])
        gt = 100 * (means[("bn", "PyTorch")] - means[("pcn", "PyTorch")])
        print(f"- bn − pcn gap: janus {gj:.2f} points, PyTorch {gt:.2f} points, difference {gj - gt:+.2f} "
              f"({verdict(gj - gt)})")


if __name__ == "__main__":
    main()
