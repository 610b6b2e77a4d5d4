#!/usr/bin/env bash
# Builds herd with g++ under a set of sanitizers (warnings as errors, -O1 -g)
# and runs the whole ctest suite there:
#   deploy/sanitize.sh [address]  AddressSanitizer + UndefinedBehaviorSanitizer
#                                 (-DHERD_SANITIZE=address,undefined) in ./build-asan
#   deploy/sanitize.sh thread     ThreadSanitizer (-DHERD_SANITIZE=thread) in
#                                 ./build-tsan, with deploy/tsan.supp
#
# Every process of the suite reports into <build>/sanitizer-reports/: test
# programs, and also the controllers, engines and supervisors the integration
# tests start, whose stderr goes to log files the tests delete. A test passes
# only if its own processes exit cleanly; the run passes only if, besides,
# no process wrote a report (memory error, undefined behaviour, leak, race).
#   HERD_SANITIZE_LABEL_EXCLUDE  ctest labels to skip (a regular expression;
#                                default: none; "heavy" skips the longest
#                                tests, see below)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
set_name=${1:-address}

reports_for() { echo "$root/$1/sanitizer-reports"; }
case "$set_name" in
address)
  build=build-asan
  sanitize=address,undefined
  reports=$(reports_for $build)
  # halt_on_error: the first report ends the process (ASan exit code 86, UBSan
  # 87, LeakSanitizer at exit 86). detect_leaks: every process checks for leaks
  # when it exits normally (engines that _Exit or are killed do not); no
  # suppressions are needed (none of ZeroMQ, protobuf, spdlog reports a leak).
  # log_path: one file per process, <prefix>.<pid>.
  export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$reports/ubsan"
  # The bench smoke test takes about 6 s here, and only wrong results fail it.
  default_exclude=""
  ;;
thread)
  build=build-tsan
  sanitize=thread
  reports=$(reports_for $build)
  # halt_on_error: the first race ends the process (exit code 66), so a test
  # whose own process races fails by itself; races in the processes it starts
  # fail the run through their report files. The suppressions cover only
  # frames inside Debian's uninstrumented libzmq (deploy/tsan.supp says what
  # each may hide). second_deadlock_stack: both stacks of a lock-order report.
  # atexit_sleep_ms=0: TSan otherwise sleeps a second in every exiting
  # process that has threads, which delays each engine's exit past the
  # bounds the exit tests scale, and the whole suite by minutes.
  export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:atexit_sleep_ms=0:suppressions=$root/deploy/tsan.supp:log_path=$reports/tsan"
  # Every test runs: the suite takes about 8 minutes here (2 cores, -j 1).
  # The tests labelled heavy (tests/CMakeLists.txt: the bench smoke runs, a
  # 20 s long task, restart back-off, a packet capture, find_package's
  # install and build) take 1.5 of them, mostly waiting or building; should
  # CI need the time, HERD_SANITIZE_LABEL_EXCLUDE=heavy skips them.
  default_exclude=""
  ;;
*)
  echo "usage: $0 [address|thread]" >&2
  exit 2
  ;;
esac

cmake -S . -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DHERD_SANITIZE="$sanitize" \
  -DHERD_WERROR=ON \
  -DHERD_TEST_TIMEOUT=300 >/dev/null
cmake --build "$build" -j "$(nproc)"

rm -rf "$reports"
mkdir -p "$reports"

# Sanitized processes run several times slower: tests that bound how soon
# something happens (an engine's exit noticed within 100 ms) scale their
# bounds by this, instead of loosening them for every run.
export HERD_TEST_TIME_SCALE=${HERD_TEST_TIME_SCALE:-5}

exclude=${HERD_SANITIZE_LABEL_EXCLUDE-$default_exclude}
status=0
(cd "$build" && ctest --output-on-failure --timeout 600 -j 1 ${exclude:+-LE "$exclude"}) || status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports from $(ls "$reports" | wc -l) processes:" >&2
  for f in "$reports"/*; do
    echo "=== $f" >&2
    head -n 60 "$f" >&2
  done
  status=1
fi
if [ "$status" != 0 ]; then
  echo "sanitizer suite ($set_name) FAILED" >&2
  exit 1
fi
echo "sanitizer suite ($set_name) passed: no test failed, no process reported an error"
