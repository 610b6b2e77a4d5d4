#!/usr/bin/env bash
# The main job: start a 4-engine local cluster, run every example, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERD_DIR="${HERD_DIR:-$(mktemp -d /tmp/herd-demo-XXXXXX)}"
herd=build/cli/herd
$herd cluster start --n 4 --daemonize --load "$PWD/build/examples/libherd_examples.so"
trap '$herd cluster stop' EXIT
$herd status
bash examples/run_all.sh build
$herd submit -- hostname
