#!/usr/bin/env python3
"""process_sweep's simulation against the real thing: every (N, norm) point that both
MPI_DIR (runs under `mpirun -np N`) and SIM_DIR (`--simulate`) hold must have the same loss at
every step, to rel TOL, and the same test loss after the last step (BN with rank 0's running
statistics), to rel TEST_TOL.

  compare_process_sweep.py MPI_DIR SIM_DIR [--tol 1e-4] [--test-tol 1e-3] [--expect N,N,...]

Exits non-zero, naming the point and the step, on any difference; also when a point of
--expect is missing from either directory (so an empty comparison cannot pass).
"""
import argparse
import csv
import os
import sys


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mpi_dir")
    ap.add_argument("sim_dir")
    ap.add_argument("--tol", type=float, default=1e-4, help="rel tolerance of the step losses")
    ap.add_argument("--test-tol", type=float, default=1e-3, help="rel tolerance of the final test loss")
    ap.add_argument("--expect", default="", help="process counts that must be compared, e.g. 2,4")
    a = ap.parse_args()
    steps, summary = {}, {}
    for d, mode in ((a.mpi_dir, "mpirun"), (a.sim_dir, "simulated")):
        for r in read(os.path.join(d, "process_sweep_steps.csv")):
            if r["mode"] == mode:
                steps.setdefault((mode, int(r["processes"]), r["norm"]), []).append(float(r["loss"]))
        for r in read(os.path.join(d, "process_sweep.csv")):
            if r["mode"] == mode:
                summary[(mode, int(r["processes"]), r["norm"])] = r
    points = sorted({(n, norm) for (m, n, norm) in summary if m == "mpirun"} &
                    {(n, norm) for (m, n, norm) in summary if m == "simulated"})
    bad = 0
    for n in [int(x) for x in a.expect.split(",") if x]:
        if not any(p[0] == n for p in points):
            print(f"FAIL: no point with N={n} in both {a.mpi_dir} and {a.sim_dir}")
            bad += 1
    worst = 0.0
    for n, norm in points:
        real, sim = steps[("mpirun", n, norm)], steps[("simulated", n, norm)]
        if len(real) != len(sim):
            print(f"FAIL N={n} {norm}: {len(real)} steps under mpirun, {len(sim)} simulated")
            bad += 1
            continue
        pairs = [(f"step {i + 1} loss", x, y, a.tol) for i, (x, y) in enumerate(zip(real, sim))]
        pairs.append(("test loss", float(summary[("mpirun", n, norm)]["test_loss"]),
                      float(summary[("simulated", n, norm)]["test_loss"]), a.test_tol))
        point_worst, point_bad = 0.0, 0
        for what, x, y, tol in pairs:
            rel = abs(x - y) / max(abs(y), 1e-30)
            point_worst = max(point_worst, rel)
            if rel > tol:
                print(f"FAIL N={n} {norm}: {what} {x!r} under mpirun vs {y!r} simulated (rel {rel:.2e} > {tol})")
                point_bad += 1
        worst = max(worst, point_worst)
        bad += point_bad
        print(f"N={n} {norm:>7}: {len(real)} step losses and the test loss "
              f"{'DIFFER' if point_bad else 'agree'} (largest rel diff {point_worst:.1e})")
    if not points:
        print("FAIL: no point was run in both modes")
        bad += 1
    if bad:
        return 1
    print(f"OK: simulated == mpirun for {len(points)} points, largest rel diff {worst:.1e} "
          f"(tol {a.tol} per step, {a.test_tol} test loss)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
