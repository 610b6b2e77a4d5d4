#!/usr/bin/env bash
# engine_join.sh: the time from `herd engine` starting on a fresh host to its
# first task (issue 7), measured across network namespaces. Needs root and
# iproute2.
#
#   bench/engine_join.sh [BUILD_DIR] [TRIALS]     (defaults: build, 10)
#
# Makes two namespaces joined by a veth pair (10.217.N.1 and .2, N from this
# shell's pid), runs `herd controller --ip 10.217.N.1` in the first with a
# temporary HERD_DIR, and herd-engine-join beside it as the client: each
# trial queues a no-op task, starts `herd engine` in the second namespace
# from HERD_CONNECTION_INFO alone, times it to the task and stops it by pid.
# Everything it makes is removed on exit, failure and signals included, and
# the whole run is bounded (kTimeout seconds).
set -euo pipefail

readonly kTimeout=300
build=$(cd "${1:-build}" && pwd)
trials=${2:-10}
herd=$build/cli/herd
helper=$build/bench/herd-engine-join
library=$build/bench/libherd_bench_tasks.so
for f in "$herd" "$helper" "$library"; do
  [[ -x $f || -f $f ]] || { echo "engine_join.sh: $f is missing (build herd_cli and herd_engine_join)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "engine_join.sh: network namespaces need root" >&2; exit 2; }

tag=hj$$
ns_controller=${tag}c
ns_engine=${tag}e
subnet=10.217.$(($$ % 250 + 1))
address=$subnet.1
herd_dir=$(mktemp -d /tmp/herd-join-XXXXXX)
controller_pid=
helper_pid=

# Both run from the EXIT trap, which shellcheck does not follow.
# shellcheck disable=SC2317
# Stops one process we started: SIGTERM, then SIGKILL after 5 s.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  [[ -n $helper_pid ]] && stop_pid "$helper_pid"
  [[ -n $controller_pid ]] && stop_pid "$controller_pid"
  # Whatever still runs in our namespaces was started by us (an engine whose
  # helper was killed): end it by pid before the namespaces go.
  for ns in "$ns_engine" "$ns_controller"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$herd_dir"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns_controller"
ip netns add "$ns_engine"
ip link add "${tag}a" netns "$ns_controller" type veth peer name "${tag}b" netns "$ns_engine"
ip -n "$ns_controller" addr add "$subnet.1/24" dev "${tag}a"
ip -n "$ns_engine" addr add "$subnet.2/24" dev "${tag}b"
ip -n "$ns_controller" link set "${tag}a" up
ip -n "$ns_engine" link set "${tag}b" up
ip -n "$ns_controller" link set lo up
ip -n "$ns_engine" link set lo up

# `ip netns exec` execs in place: $! is the controller's own pid.
HERD_DIR=$herd_dir ip netns exec "$ns_controller" \
  "$herd" controller --ip "$address" --profile join --log-level error &
controller_pid=$!
security=$herd_dir/profile_join/security
for _ in $(seq 300); do
  [[ -s $security/client.json && -s $security/engine.json ]] && break
  kill -0 "$controller_pid" 2>/dev/null || { echo "engine_join.sh: the controller exited" >&2; exit 1; }
  sleep 0.1
done
[[ -s $security/engine.json ]] || { echo "engine_join.sh: no engine.json within 30 s" >&2; exit 1; }

echo "engine_join.sh: controller in $ns_controller at $address, engines in $ns_engine ($subnet.2), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg), $(date -u +%FT%TZ)"
# In the background, so that a signal reaches our trap at once.
TMPDIR=$herd_dir ip netns exec "$ns_controller" timeout "$kTimeout" \
  "$helper" "$security/client.json" "$security/engine.json" "$ns_engine" "$herd" "$library" "$trials" &
helper_pid=$!
code=0
wait "$helper_pid" || code=$?
helper_pid=
((code != 124)) || echo "engine_join.sh: stopped after the ${kTimeout} s bound" >&2
exit "$code"
