#!/usr/bin/env bash
# Runs a janus program under `mpirun -np NP` with what this container needs: --oversubscribe
# (more ranks than cores), --allow-run-as-root when root, and no CMA single-copy (not allowed in
# containers). Fails with a clear message when mpirun is missing: the MPI tests are never
# skipped, scripts/deps.sh installs Open MPI. With --expect-abort REGEX the job must end
# non-zero within the time limit and print REGEX (the fault tests).
#   run_mpi.sh NP [--expect-abort REGEX] PROGRAM ARGS...
set -u
np=$1; shift
expect=""
if [ "${1:-}" = "--expect-abort" ]; then expect=$2; shift 2; fi
mpirun=${JANUS_MPIRUN:-mpirun}
if ! command -v "$mpirun" > /dev/null 2>&1; then
  echo "janus MPI test: mpirun not found ('$mpirun'): install Open MPI (Debian openmpi-bin and" \
       "libopenmpi-dev; scripts/deps.sh installs them). The MPI tests are not skipped."
  exit 1
fi
flags=(--oversubscribe --mca btl_vader_single_copy_mechanism none)
if [ "$(id -u)" -eq 0 ]; then flags+=(--allow-run-as-root); fi
# For sanitized builds (JANUS_SANITIZE=1; the variables do nothing elsewhere): Open MPI keeps
# allocations until exit by design, so LeakSanitizer is told to ignore stacks through Open MPI's
# libraries (lsan_openmpi.supp). Those stacks are only readable with the slow unwinder (Open MPI
# has no frame pointers) and with its plugins left loaded at exit.
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS="suppressions=$here/lsan_openmpi.supp:fast_unwind_on_malloc=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
flags+=(-x LSAN_OPTIONS -x OMPI_MCA_mca_base_component_disable_dlclose -x PMIX_MCA_mca_base_component_disable_dlclose)
limit=${JANUS_MPI_TIMEOUT:-240}
if [ -z "$expect" ]; then
  exec timeout "$limit" "$mpirun" "${flags[@]}" -np "$np" "$@"
fi
out=$(timeout "$limit" "$mpirun" "${flags[@]}" -np "$np" "$@" 2>&1)
rc=$?
echo "$out"
if [ $rc -eq 124 ]; then echo "FAIL: the job hung (still running after ${limit}s)"; exit 1; fi
if [ $rc -eq 0 ]; then echo "FAIL: the job exited 0 although a rank failed"; exit 1; fi
if ! grep -qE -- "$expect" <<< "$out"; then echo "FAIL: output lacks '$expect'"; exit 1; fi
echo "OK: the job ended with exit code $rc"
