#!/usr/bin/env bash
# Engines on other machines, walked through on one machine: three network
# namespaces stand in for three hosts on a private network.
#
#   host1  10.214.N.1   the controller (herd controller --ip 10.214.N.1)
#   host2  10.214.N.2   two engines   } started from HERD_CONNECTION_INFO
#   host3  10.214.N.3   two engines   } alone: no file, no shared folder
#
# Every connection goes from a host to the controller; all of it is
# encrypted and authenticated (CurveZMQ, keys in the connection files).
# Run as root (namespaces need it), from a built tree:
#
#   sudo bash examples/multihost.sh            # uses build/cli/herd
#   sudo HERD=/opt/herd/bin/herd bash examples/multihost.sh
#
# Everything it creates (namespaces, processes, a folder under /tmp) is
# removed when it ends, also on ^C or an error.
set -euo pipefail
cd "$(dirname "$0")/.."

HERD="${HERD:-$PWD/build/cli/herd}"
build="$(dirname "$(dirname "$HERD")")"            # the build tree herd comes from
TASKS="$build/examples/libherd_examples.so"        # loaded by the engines, if built
WHO="$build/examples/who"                          # a client program, run if built

[[ $(id -u) == 0 ]] || { echo "run as root: it creates network namespaces" >&2; exit 1; }
command -v ip >/dev/null || { echo "needs iproute2's ip (apt-get install iproute2)" >&2; exit 1; }
[[ -x $HERD ]] || { echo "no herd binary at $HERD (build first, or set HERD=...)" >&2; exit 1; }

ns="herdx$$"                          # namespaces herdx<pid>host1..3 and herdx<pid>sw
net="10.214.$(( $$ % 250 + 1 ))"
work="$(mktemp -d /tmp/herd-multihost-XXXXXX)"   # one HERD_DIR per host
pids=()

cleanup() {
  echo "== cleaning up"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for n in host1 host2 host3 sw; do ip netns del "$ns$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Runs a command on host N (in its namespace) with that host's own HERD_DIR.
on() {
  local host=$1; shift
  ip netns exec "${ns}host$host" env HERD_DIR="$work/host$host" "$@"
}

# The same in the background, its output in the host's console.log; `ip`
# and `env` exec the command, so $! is its pid and cleanup can stop it.
start_on() {
  local host=$1; shift
  ip netns exec "${ns}host$host" env HERD_DIR="$work/host$host" "$@" \
    >>"$work/host$host/console.log" 2>&1 &
  pids+=($!)
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq $(( seconds * 10 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "gave up after $seconds s waiting for: $*" >&2
  return 1
}

echo "== three hosts on $net.0/24, joined by a bridge"
ip netns add "${ns}sw"
ip -n "${ns}sw" link add br0 type bridge
ip -n "${ns}sw" link set br0 up
for i in 1 2 3; do
  ip netns add "${ns}host$i"
  # One veth pair per host: one end in the host, the other on the bridge.
  ip link add "hx$$h$i" netns "${ns}host$i" type veth peer name "hx$$s$i" netns "${ns}sw"
  ip -n "${ns}sw" link set "hx$$s$i" master br0 up
  ip -n "${ns}host$i" addr add "$net.$i/24" dev "hx$$h$i"
  ip -n "${ns}host$i" link set "hx$$h$i" up
  ip -n "${ns}host$i" link set lo up
  mkdir -p "$work/host$i"
done

echo "== host1: the controller, bound to host1's address"
start_on 1 "$HERD" controller --ip "$net.1"
security="$work/host1/profile_default/security"
wait_for 10 test -s "$security/engine.json"
ls -l "$security"            # client.json, engine.json, supervisor.json: mode 0600

echo "== host2 and host3: two engines each, from the content of engine.json"
# In real life: copy the JSON to the other machine by any means (a secret
# store, an orchestrator's environment). Nothing else is needed there.
engine_info="$(cat "$security/engine.json")"
load=()
[[ -f $TASKS ]] && load=(--load "$TASKS")
for host in 2 3; do
  for _ in 1 2; do
    start_on "$host" env HERD_CONNECTION_INFO="$engine_info" "$HERD" engine "${load[@]}"
  done
done

echo "== host1: herd status (wait for 4 engines)"
four_engines() { [[ $(on 1 "$HERD" status --json | grep -cE '"state": "(idle|busy)"') -ge 4 ]]; }
wait_for 30 four_engines
on 1 "$HERD" status

echo "== host1: herd submit, a few times: each task reports the address of the host it ran on"
for _ in 1 2 3 4; do
  on 1 "$HERD" submit -- "ip -4 -o addr show scope global | awk '{print \$4}'"
done

echo "== the controller's log (host1), how it saw the engines arrive"
cat "$work/host1/profile_default/log/controller.log"

if [[ -x $WHO ]]; then
  echo "== host1: a client program, given only the content of client.json"
  on 1 env HERD_CONNECTION_INFO="$(cat "$security/client.json")" "$WHO"
fi

echo "== done"
