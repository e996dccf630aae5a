#!/usr/bin/env bash
# The example programs under `mpirun -np N` (issue 10 item 5), through tests/distributed/run_mpi.sh
# (what a root user in a container needs; fails, never skips, when mpirun is missing).
#   mpi_programs.sh CASE RUN_MPI WORKDIR PROGRAM [SAFETENSORS_CLOSE]
# Every case trains the synthetic default for a few steps (--train-size 256: 4 steps of 64).
set -u
case_=$1 run_mpi=$2 dir=$3 prog=$4 close=${5:-}
tiny=(--epochs 2 --train-size 256 --test-size 128)
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
# csv_close A B RTOL: same header, same cells, numbers within RTOL of their size.
csv_close() {
  paste -d'|' "$1" "$2" | awk -F'|' -v rtol="$3" '
    NR == 1 { if ($1 != $2) { print "headers differ: " $1 " vs " $2; bad = 1 }; next }
    { n = split($1, a, ","); m = split($2, b, ",");
      if (n != m) { print "line " NR ": " n " vs " m " cells"; bad = 1; next }
      for (i = 1; i <= n; ++i) { d = a[i] - b[i]; if (d < 0) d = -d; s = a[i] < 0 ? -a[i] : a[i];
        if (d > rtol * s) { print "line " NR " cell " i ": " a[i] " vs " b[i]; bad = 1 } } }
    END { exit bad }'
}
# mpirun with JANUS_DETERMINISTIC=1 exported to every rank: sums in a fixed order for every N.
det() { JANUS_DETERMINISTIC=1 "$run_mpi" "$1" -x JANUS_DETERMINISTIC "${@:2}"; }
case $case_ in
  rank0_output)
    # Each rank starts in its own directory rank<r>/ with a relative --out: whatever a rank
    # writes lands there. Only rank0/out may exist; stdout holds one copy of each line.
    for r in 0 1; do mkdir rank$r; done
    out=$("$run_mpi" 2 sh -c 'cd rank$OMPI_COMM_WORLD_RANK && exec "$0" "$@"' "$prog" "${@:6}" --out out 2>&1)
    rc=$?
    echo "$out"
    [ $rc -eq 0 ] || fail "the job exited with $rc"
    [ "$(ls -A rank1)" = "" ] || fail "rank 1 wrote: $(cd rank1 && find . -mindepth 1 | tr "\n" " ")"
    [ -n "$(ls -A rank0/out 2>/dev/null)" ] || fail "rank 0 wrote nothing to rank0/out"
    n=$(grep -c "^data parallel: 2 process(es)" <<< "$out")
    [ "$n" -eq 1 ] || fail "the data-parallel line was printed $n times (expected once, by rank 0)"
    echo "OK: only rank 0 printed and wrote ($(ls rank0/out | tr '\n' ' '))" ;;
  syncbn_np2_equals_np1)
    # Deterministic mode: N processes give the bits of one (also the history's figures).
    det 2 "$prog" --norm syncbn "${tiny[@]}" --out np2 > np2.log 2>&1 || { cat np2.log; fail "np 2 run"; }
    det 1 "$prog" --norm syncbn "${tiny[@]}" --out np1 > np1.log 2>&1 || { cat np1.log; fail "np 1 run"; }
    cmp np1/model.safetensors np2/model.safetensors || fail "model.safetensors differs between -np 1 and -np 2"
    cmp np1/history.csv np2/history.csv || fail "history.csv differs between -np 1 and -np 2"
    echo "OK: -np 2 == -np 1 bit for bit" ;;
  resume_other_np)
    # --norm syncbn: a checkpoint of a 2-process run continues at 1 process exactly like
    # the uninterrupted 2-process run (deterministic mode: bit for bit).
    det 2 "$prog" --norm syncbn "${tiny[@]}" --out np2 > np2.log 2>&1 || { cat np2.log; fail "np 2 run"; }
    det 1 "$prog" --norm syncbn "${tiny[@]}" --out resumed --resume np2/training_epoch1.safetensors > r.log 2>&1 \
      || { cat r.log; fail "the resume at -np 1"; }
    grep -q "resumed from np2/training_epoch1.safetensors after epoch 1" r.log || { cat r.log; fail "no resume line"; }
    cmp np2/model.safetensors resumed/model.safetensors || fail "the resumed model differs from the uninterrupted one"
    # --norm bn: per-process statistics over batch / N are another model at another N: refused.
    "$run_mpi" 2 "$prog" --norm bn "${tiny[@]}" --out bn2 > bn2.log 2>&1 || { cat bn2.log; fail "bn np 2 run"; }
    out=$("$run_mpi" 1 "$prog" --norm bn "${tiny[@]}" --out bn1 --resume bn2/training_epoch1.safetensors 2>&1)
    echo "$out"
    grep -q "processes (--norm bn): the checkpoint has 2, given 1" <<< "$out" || fail "bn resume at -np 1 not refused"
    # A checkpoint written without mpirun (per-batch augmentation) is refused under mpirun.
    "$prog" --norm syncbn "${tiny[@]}" --out plain > plain.log 2>&1 || { cat plain.log; fail "plain run"; }
    out=$("$run_mpi" 2 "$prog" --norm syncbn "${tiny[@]}" --out p2 --resume plain/training_epoch1.safetensors 2>&1)
    echo "$out"
    grep -q "sampler: the checkpoint has single, given distributed" <<< "$out" || fail "plain -> mpirun resume not refused"
    echo "OK: syncbn resumes exactly at another N; bn and a single-process checkpoint are refused" ;;
  syncbn_plain_equals_bn)
    "$prog" --norm bn "${tiny[@]}" --out bn > bn.log 2>&1 || { cat bn.log; fail "bn run"; }
    "$prog" --norm syncbn "${tiny[@]}" --out syncbn > syncbn.log 2>&1 || { cat syncbn.log; fail "syncbn run"; }
    cmp bn/model.safetensors syncbn/model.safetensors || fail "model.safetensors: syncbn differs from bn"
    cmp bn/history.csv syncbn/history.csv || fail "history.csv: syncbn differs from bn"
    echo "OK: --norm syncbn without mpirun == --norm bn bit for bit" ;;
  uneven_batch)
    # Global batch 63 on 2 processes: shards of 31 and 32, each rank's loss scaled by local /
    # global batch before backward. Against one process at batch 63 only the order of the sums
    # changes, so after 2 SGD steps the weights may differ by no more than the one-process run
    # differs from itself in another order (deterministic mode's per-sample tree vs batched
    # GEMMs), with a factor 4 of headroom, plus 2e-6 of each tensor's size (17 float32 eps).
    # Training at this lr is chaotic: over more steps any order change grows to percents.
    u=(--norm syncbn --epochs 1 --train-size 126 --test-size 64 --batch 63)
    "$run_mpi" 2 "$prog" "${u[@]}" --out np2 > np2.log 2>&1 || { cat np2.log; fail "np 2 run"; }
    grep -q "global batch 63 (31-32 per process: uneven shards, exact)" np2.log || { cat np2.log; fail "no shard line"; }
    "$run_mpi" 1 "$prog" "${u[@]}" --out np1 > np1.log 2>&1 || { cat np1.log; fail "np 1 run"; }
    det 1 "$prog" "${u[@]}" --out np1det > np1det.log 2>&1 || { cat np1det.log; fail "np 1 deterministic run"; }
    "$close" np2/model.safetensors np1/model.safetensors np1det/model.safetensors np1/model.safetensors 4 2e-6 \
      || fail "uneven shards differ from one process by more than another summation order does"
    ;;
  keras_syncbn)
    # The Keras frontend: BatchNormalization().synchronized(true) and fit() on each rank's
    # shard of the loader; the best-val_accuracy checkpoint and the CSVLogger from rank 0.
    det 2 "$prog" --frontend keras --norm syncbn "${tiny[@]}" --out np2 > np2.log 2>&1 || { cat np2.log; fail "np 2 run"; }
    det 1 "$prog" --frontend keras --norm syncbn "${tiny[@]}" --out np1 > np1.log 2>&1 || { cat np1.log; fail "np 1 run"; }
    cat np2.log
    cmp np1/model.safetensors np2/model.safetensors || fail "keras model.safetensors differs between -np 1 and -np 2"
    # The logged figures are sums over ranks of each rank's float32 mean over 32 samples, in
    # double, against one float32 mean over 64: equal to 64 float32 eps (7.6e-6), bound 1e-5.
    csv_close np1/history.csv np2/history.csv 1e-5 || fail "keras history.csv: -np 2 differs from -np 1"
    echo "OK: keras fit with synchronized BN, -np 2 == -np 1 (weights bit for bit, logs to 1e-5)" ;;
  one_rank_fails)
    # An error on one rank only (its --resume file is missing: each rank starts in its own
    # directory) ends the whole job non-zero in bounded time, with that rank's message, while
    # rank 0 already waits in DistributedDataParallel's first collective.
    mkdir rank0 rank1
    (cd rank0 && "$run_mpi" 1 "$prog" --norm syncbn "${tiny[@]}" --out out > ../first.log 2>&1) \
      || { cat first.log; fail "the run that writes the checkpoint"; }
    "$run_mpi" 2 --expect-abort "rank 1 of 2: train_cifar: error: .*out/training_epoch1\.safetensors" \
      sh -c 'cd rank$OMPI_COMM_WORLD_RANK && exec "$0" "$@"' "$prog" --norm syncbn "${tiny[@]}" --out out \
      --resume out/training_epoch1.safetensors ;;
  *) fail "unknown case $case_" ;;
esac
