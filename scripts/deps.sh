#!/usr/bin/env bash
# Installs janus' Debian build dependencies when any is missing (root or sudo); does nothing
# when all are present. Sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail
JANUS_PACKAGES=(cmake g++ make pkg-config libopenblas-dev libfmt-dev catch2
                nlohmann-json3-dev libcli11-dev zlib1g-dev libpng-dev libjpeg-dev gnuplot-nox
                clang libclang-rt-14-dev ccache  # clang + libFuzzer: scripts/test.sh runs tests/fuzz;
                # ccache: scripts/build.sh uses it, so rebuilds of unchanged sources are cheap
                libopenmpi-dev openmpi-bin  # Open MPI: distributed/ and the mpirun tests
                python3  # stdlib only: scripts/scale_model.py and the process_sweep comparison (ctest)
                libhdf5-dev python3-h5py)  # HDF5: Keras 3's .weights.h5; h5py: the test reading them
missing=()
for p in "${JANUS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "janus: installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
