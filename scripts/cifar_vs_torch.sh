#!/usr/bin/env bash
# Issue 5's acceptance comparison: janus' compare_norms against the PyTorch reference script
# (../shared/reference/torch_cifar_curves.py), same recipe, on real CIFAR-10.
#   scripts/cifar_vs_torch.sh [DATA_DIR] [OUT_DIR]
# Trains on data_batch_1..4 and tests on data_batch_5 (the official test batch is not in
# shared/data), 5 epochs, seeds 0..SEEDS-1, for each of NORMS. Runs one job at a time on
# THREADS threads so each run has the machine to itself. About 80 minutes on 2 idle cores.
# Environment: NORMS (default bn,pcn), SEEDS (3), EPOCHS (5), THREADS (2), SKIP_JANUS=1 or
# SKIP_TORCH=1 to rerun one side. Writes OUT_DIR/janus/ (compare_norms output),
# OUT_DIR/torch_<norm>_seed<s>.csv, and OUT_DIR/summary.md (the side-by-side table).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data/cifar-10-batches-bin}"
OUT="${2:-cifar_vs_torch_out}"
NORMS="${NORMS:-bn,pcn}"
SEEDS="${SEEDS:-3}"
EPOCHS="${EPOCHS:-5}"
THREADS="${THREADS:-2}"
REFERENCE="${JANUS_TORCH_REFERENCE:-../shared/reference/torch_cifar_curves.py}"
TRAIN_FILES=data_batch_1.bin,data_batch_2.bin,data_batch_3.bin,data_batch_4.bin
TEST_FILES=data_batch_5.bin
BUILD_DIR="${JANUS_BUILD_DIR:-build}"

for f in ${TRAIN_FILES//,/ } $TEST_FILES; do
  [[ -f "$DATA/$f" ]] || { echo "cifar_vs_torch: missing $DATA/$f (scripts/get_data.sh downloads CIFAR-10)" >&2; exit 1; }
done
mkdir -p "$OUT"
if [[ "${SKIP_JANUS:-0}" != 1 ]]; then
  "$BUILD_DIR/examples/compare_norms" --data "$DATA" --train-files "$TRAIN_FILES" --test-files "$TEST_FILES" \
    --norms "$NORMS" --epochs "$EPOCHS" --seeds "$SEEDS" --threads "$THREADS" --out "$OUT/janus" \
    2>&1 | tee "$OUT/janus.log"
fi
if [[ "${SKIP_TORCH:-0}" != 1 ]]; then
  [[ -f "$REFERENCE" ]] || { echo "cifar_vs_torch: no PyTorch reference at $REFERENCE" >&2; exit 1; }
  for ((s = 0; s < SEEDS; ++s)); do
    for norm in ${NORMS//,/ }; do
      # The reference script always uses 2 threads (torch.set_num_threads(2)).
      /usr/bin/python3 "$REFERENCE" "$DATA" --train-files "$TRAIN_FILES" --test-files "$TEST_FILES" \
        --norm "$norm" --epochs "$EPOCHS" --seed "$s" --out "$OUT/torch_${norm}_seed${s}.csv" \
        2>&1 | tee -a "$OUT/torch.log"
    done
  done
fi
/usr/bin/python3 scripts/cifar_vs_torch_summary.py "$OUT" | tee "$OUT/summary.md"
