#!/usr/bin/env bash
# The janus demo: installs what is missing and builds (scripts/build.sh), then runs the main
# job, examples/compare_norms, on the synthetic default dataset: the benchmark CNN trained
# with batch norm and with per-channel norm from the same initial weights and data order.
# A few minutes on 2 cores. Output (curves CSV + PNG, BN telemetry, summary) in demo_out/.
# Extra arguments go to compare_norms, e.g. scripts/demo.sh --norms bn,pcn,gn --epochs 3.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${JANUS_BUILD_DIR:-build}"
OUT="${JANUS_DEMO_OUT:-demo_out}"
"$BUILD_DIR/examples/compare_norms" --out "$OUT" "$@"
echo
echo "demo: open $OUT/curves.png (training curves) and $OUT/telemetry_bn.png (BN batch vs running statistics)"
