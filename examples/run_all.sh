#!/usr/bin/env bash
# Runs every example program, in order, against the cluster of the current
# profile ($HERD_DIR, $HERD_PROFILE). Exits non-zero if any program fails.
#
#   herd cluster start --n 4 --daemonize --load BUILD/examples/libherd_examples.so
#   examples/run_all.sh BUILD
set -uo pipefail

readonly kPrograms=(who expensive_calculation sqrt variance hates_eights async_handles sweep_progress direct_view pipeline)
# Far above any example's run time (the longest takes a few seconds), so only a hang trips it.
readonly kTimeout=120s

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bin_dir="$1/examples"

failed=()
for program in "${kPrograms[@]}"; do
  printf '\n=== %s ===\n' "$program"
  if [[ ! -x "$bin_dir/$program" ]]; then
    echo "missing: $bin_dir/$program (build it first)" >&2
    failed+=("$program")
    continue
  fi
  timeout --kill-after=10s "$kTimeout" "$bin_dir/$program"
  status=$?
  if [[ $status -ne 0 ]]; then
    echo "--- $program exited with status $status" >&2
    failed+=("$program")
  fi
done

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all ${#kPrograms[@]} examples passed"
