#!/usr/bin/env bash
# Runs the whole test suite against ./build.
set -euo pipefail
cd "$(dirname "$0")/../build"
ctest --output-on-failure --timeout 300 -j 1
