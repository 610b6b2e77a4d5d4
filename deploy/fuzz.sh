#!/usr/bin/env bash
# Builds the libFuzzer target herd_fuzz_messages with clang (-DHERD_FUZZ=ON,
# AddressSanitizer + UndefinedBehaviorSanitizer) into ./build-fuzz and runs it
# for a bounded time on a copy of the seed corpus (tests/fuzz/corpus). Prints
# the executions per second and the coverage; fails if the fuzzer finds a
# crash, a sanitizer report, a leak or a hang (the input is kept in
# build-fuzz/artifacts/).
#   HERD_FUZZ_SECONDS   how long to fuzz (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${HERD_FUZZ_SECONDS:-60}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! dpkg -s clang libclang-rt-14-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi

CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHERD_FUZZ=ON -DHERD_BUILD_TESTS=OFF >/dev/null
# clang's -Wconversion includes -Wsign-conversion, which the generated
# herd.pb.cc does not pass: the build's output goes to a log, shown on failure.
cmake --build build-fuzz -j "$(nproc)" --target herd_fuzz_messages >build-fuzz/build.log 2>&1 ||
  { tail -n 100 build-fuzz/build.log >&2; exit 1; }

corpus=build-fuzz/corpus
artifacts=build-fuzz/artifacts
rm -rf "$corpus"
mkdir -p "$corpus" "$artifacts"
cp tests/fuzz/corpus/* "$corpus"/
log=build-fuzz/fuzz.log

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
build-fuzz/tests/fuzz/herd_fuzz_messages "$corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?

# libFuzzer's status lines: "#N  NEW  cov: C ft: F corp: ... exec/s: E rss: R"
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
echo "fuzz: ${seconds} s, ${execs:-?} runs, ${rate:-?} exec/s, cov: ${cov:-?}, ft: ${ft:-?}," \
     "corpus $(ls "$corpus" | wc -l) files (seeds: $(ls tests/fuzz/corpus | wc -l)), peak rss ${rss:-?} MB"
if [ "$status" != 0 ]; then
  echo "herd_fuzz_messages failed (exit $status); the end of its log ($log):" >&2
  tail -n 60 "$log" >&2
  ls -l "$artifacts" >&2
  exit 1
fi
