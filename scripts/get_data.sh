#!/usr/bin/env bash
# Downloads the real datasets janus reads -- CIFAR-10 (binary version) and MNIST (IDX,
# gzipped) -- from their official locations into DIR, and verifies every file against the
# published checksums. Idempotent: files already present and verified are not fetched
# again. --verify-only checks an existing DIR without touching the network.
#
#   scripts/get_data.sh DIR                  # download + verify both datasets
#   scripts/get_data.sh --only mnist DIR     # just one (cifar10 | mnist)
#   scripts/get_data.sh --verify-only DIR    # verify what is in DIR, download nothing
#
# Layout produced (what janus::datasets::load_cifar10_dir / load_mnist expect):
#   DIR/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin, batches.meta.txt
#   DIR/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
set -euo pipefail

CIFAR_URL="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
MNIST_URLS=("https://yann.lecun.com/exdb/mnist" "https://ossci-datasets.s3.amazonaws.com/mnist")

# sha256 of the official files (see shared/data/README.md; the CIFAR batches and MNIST
# files also match the md5 sums published for them).
declare -A SHA256=(
  [cifar-10-batches-bin/data_batch_1.bin]=cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
  [cifar-10-batches-bin/data_batch_2.bin]=a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed
  [cifar-10-batches-bin/data_batch_3.bin]=bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
  [cifar-10-batches-bin/data_batch_4.bin]=014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48
  [cifar-10-batches-bin/data_batch_5.bin]=755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add
  [cifar-10-batches-bin/test_batch.bin]=8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b
  [cifar-10-batches-bin/test_batch_first1000.bin]=8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5
  [cifar-10-batches-bin/batches.meta.txt]=558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033
  [mnist/train-images-idx3-ubyte.gz]=440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
  [mnist/train-labels-idx1-ubyte.gz]=3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
  [mnist/t10k-images-idx3-ubyte.gz]=8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
  [mnist/t10k-labels-idx1-ubyte.gz]=f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
  # Uncompressed IDX files (md5 published with MNIST), for a DIR holding gunzipped copies.
  [mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
)
declare -A MD5=(
  [mnist/train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [mnist/train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [mnist/t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [mnist/t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
CIFAR_BATCHES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin)
MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

die() { echo "get_data.sh: error: $*" >&2; exit 1; }
say() { echo "get_data.sh: $*"; }

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

# verify_file DIR REL -> 0 if DIR/REL matches its published checksum.
verify_file() {
  local dir=$1 rel=$2 path="$1/$2" got
  [[ -f $path ]] || { echo "MISSING  $rel"; return 1; }
  if [[ -n ${SHA256[$rel]:-} ]]; then
    got=$(sha256sum "$path" | cut -d' ' -f1)
    if [[ $got == "${SHA256[$rel]}" ]]; then echo "OK       $rel (sha256)"; return 0; fi
    echo "BAD      $rel: sha256 $got, expected ${SHA256[$rel]}"; return 1
  fi
  if [[ -n ${MD5[$rel]:-} ]]; then
    got=$(md5sum "$path" | cut -d' ' -f1)
    if [[ $got == "${MD5[$rel]}" ]]; then echo "OK       $rel (md5)"; return 0; fi
    echo "BAD      $rel: md5 $got, expected ${MD5[$rel]}"; return 1
  fi
  echo "UNKNOWN  $rel: no published checksum"; return 1
}

verify_cifar() {
  local dir=$1 bad=0 f
  for f in "${CIFAR_BATCHES[@]}" batches.meta.txt; do
    verify_file "$dir" "cifar-10-batches-bin/$f" || bad=1
  done
  # The full official test batch, or the 1000-record prefix kept in shared/data.
  if [[ -f $dir/cifar-10-batches-bin/test_batch.bin || ! -f $dir/cifar-10-batches-bin/test_batch_first1000.bin ]]; then
    verify_file "$dir" cifar-10-batches-bin/test_batch.bin || bad=1
  else
    verify_file "$dir" cifar-10-batches-bin/test_batch_first1000.bin || bad=1
  fi
  return $bad
}

verify_mnist() {
  local dir=$1 bad=0 f
  for f in "${MNIST_FILES[@]}"; do
    if [[ -f $dir/mnist/$f.gz || ! -f $dir/mnist/$f ]]; then
      verify_file "$dir" "mnist/$f.gz" || bad=1
    else
      verify_file "$dir" "mnist/$f" || bad=1
    fi
  done
  return $bad
}

# fetch URL DEST: download to DEST.part, then move into place.
fetch() {
  local url=$1 dest=$2
  say "downloading $url"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 20 -o "$dest.part" "$url" || { rm -f "$dest.part"; return 1; }
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 --timeout=20 -O "$dest.part" "$url" || { rm -f "$dest.part"; return 1; }
  else
    die "neither curl nor wget is installed"
  fi
  mv "$dest.part" "$dest"
}

get_cifar() {
  local dir=$1
  if verify_cifar "$dir" >/dev/null 2>&1; then say "CIFAR-10 already present and verified"; return 0; fi
  mkdir -p "$dir"
  local tarball="$dir/cifar-10-binary.tar.gz"
  fetch "$CIFAR_URL" "$tarball" || die "could not download $CIFAR_URL (network closed or URL moved?)"
  tar -xzf "$tarball" -C "$dir" || die "could not extract $tarball (corrupt download? delete it and retry)"
  rm -f "$tarball"
  verify_cifar "$dir" || die "CIFAR-10 files in $dir/cifar-10-batches-bin do not match the published checksums"
}

get_mnist() {
  local dir=$1 f base ok
  mkdir -p "$dir/mnist"
  for f in "${MNIST_FILES[@]}"; do
    if verify_file "$dir" "mnist/$f.gz" >/dev/null 2>&1; then continue; fi
    ok=0
    for base in "${MNIST_URLS[@]}"; do
      if fetch "$base/$f.gz" "$dir/mnist/$f.gz" && verify_file "$dir" "mnist/$f.gz" >/dev/null; then
        ok=1; break
      fi
      say "mirror $base failed for $f.gz, trying the next one"
    done
    [[ $ok == 1 ]] || die "could not fetch a verified $f.gz from any of: ${MNIST_URLS[*]}"
  done
  verify_mnist "$dir" || die "MNIST files in $dir/mnist do not match the published checksums"
}

main() {
  local verify_only=0 only="" dir=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --verify-only) verify_only=1 ;;
      --only) shift; only=${1:-}; [[ $only == cifar10 || $only == mnist ]] || die "--only takes cifar10 or mnist (got '${only}')" ;;
      -h|--help) usage 0 ;;
      -*) die "unknown option '$1' (see --help)" ;;
      *) [[ -z $dir ]] || die "only one DIR may be given (got '$dir' and '$1')"; dir=$1 ;;
    esac
    shift
  done
  [[ -n $dir ]] || { echo "get_data.sh: error: no DIR given" >&2; usage 2; }
  command -v sha256sum >/dev/null 2>&1 || die "sha256sum is required (coreutils)"
  if [[ $verify_only == 1 ]]; then
    [[ -d $dir ]] || die "'$dir' is not a directory"
    local bad=0
    if [[ -z $only || $only == cifar10 ]]; then verify_cifar "$dir" || bad=1; fi
    if [[ -z $only || $only == mnist ]]; then verify_mnist "$dir" || bad=1; fi
    if [[ $bad == 1 ]]; then die "verification failed for some files in '$dir'"; fi
    say "all files verified in '$dir'"
    return 0
  fi
  mkdir -p "$dir" || die "cannot create '$dir'"
  if [[ -z $only || $only == cifar10 ]]; then get_cifar "$dir"; fi
  if [[ -z $only || $only == mnist ]]; then get_mnist "$dir"; fi
  say "done: data in '$dir'"
}

main "$@"
