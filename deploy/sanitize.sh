#!/usr/bin/env bash
# Builds herd with g++ under AddressSanitizer + UndefinedBehaviorSanitizer
# (-DHERD_SANITIZE=address,undefined, warnings as errors) into ./build-asan and
# runs the whole ctest suite there.
#
# Every process of the suite reports into build-asan/sanitizer-reports/: test
# programs, and also the controllers, engines and supervisors the integration
# tests start, whose stderr goes to log files the tests delete. A test passes
# only if its own processes exit cleanly; the run passes only if, besides,
# no process wrote a report (memory error, undefined behaviour, leak).
#   HERD_SANITIZE_LABEL_EXCLUDE  ctest labels to skip (default: none; the
#                                bench smoke test takes about 6 s here, and
#                                only wrong results fail it, not speed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cmake -S . -B build-asan -G Ninja \
  -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DHERD_SANITIZE=address,undefined \
  -DHERD_WERROR=ON \
  -DHERD_TEST_TIMEOUT=300 >/dev/null
cmake --build build-asan -j "$(nproc)"

reports=$root/build-asan/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# halt_on_error: the first report ends the process (ASan exit code 86, UBSan
# 87, LeakSanitizer at exit 86). detect_leaks: every process checks for leaks
# when it exits normally (engines that _Exit or are killed do not); no
# suppressions are needed (none of ZeroMQ, protobuf, spdlog reports a leak).
# log_path: one file per process, <prefix>.<pid>.
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$reports/ubsan"

# Sanitized processes run several times slower: tests that bound how soon
# something happens (an engine's exit noticed within 100 ms) scale their
# bounds by this, instead of loosening them for every run.
export HERD_TEST_TIME_SCALE=${HERD_TEST_TIME_SCALE:-5}

exclude=${HERD_SANITIZE_LABEL_EXCLUDE:-}
status=0
(cd build-asan && ctest --output-on-failure --timeout 600 -j 1 ${exclude:+-LE "$exclude"}) || status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports from $(ls "$reports" | wc -l) processes:" >&2
  for f in "$reports"/*; do
    echo "=== $f" >&2
    head -n 60 "$f" >&2
  done
  status=1
fi
if [ "$status" != 0 ]; then
  echo "sanitizer suite FAILED" >&2
  exit 1
fi
echo "sanitizer suite passed: no test failed, no process reported an error or a leak"
