#!/usr/bin/env bash
# The process_sweep figure of docs/normalization.md on real CIFAR-10: real processes under
# `mpirun -np N` for the N of MPI_NS (default 1 4 16), then the one-process simulation for
# SIM_NS (default 1 2 4 8 16), all four norms, on at most one core (taskset, nice -n 10).
# Either may be set empty to skip that phase (SIM_NS= runs only the real processes).
#   scripts/process_sweep_cifar.sh BUILD_DIR OUT_DIR
# Size (environment): TRAIN (4000 images of data_batch_1), TEST (2000 of data_batch_5, held out
# from training), EPOCHS (4), DATA (../shared/data/cifar-10-batches-bin), CORE (1).
set -eu
build=${1:?usage: process_sweep_cifar.sh BUILD_DIR OUT_DIR}
out=${2:?usage: process_sweep_cifar.sh BUILD_DIR OUT_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$here/../shared/data/cifar-10-batches-bin}
prog=$build/examples/process_sweep
args=(--norms bn,syncbn,gn,pcn --data "$data" --train-files data_batch_1.bin --test-files data_batch_5.bin
      --train-size "${TRAIN:-4000}" --test-size "${TEST:-2000}" --epochs "${EPOCHS:-4}" --threads 1 --out "$out")
mpi=(mpirun --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
one_core=(taskset -c "${CORE:-1}" nice -n 10)
for n in ${MPI_NS-1 4 16}; do
  echo "== mpirun -np $n ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  "${one_core[@]}" "${mpi[@]}" -np "$n" "$prog" "${args[@]}"
done
if [ -n "${SIM_NS-1 2 4 8 16}" ]; then
  echo "== simulated N = ${SIM_NS-1 2 4 8 16} ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  "${one_core[@]}" "$prog" --simulate --processes "$(tr ' ' ',' <<< "${SIM_NS-1 2 4 8 16}")" "${args[@]}"
fi
echo "== done $(date -u +%H:%M:%S)"
