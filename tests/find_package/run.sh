#!/usr/bin/env bash
# Installs the herd build into a temporary prefix, builds the outside project
# against it with find_package(herd), and runs it on a cluster started with the
# installed `herd`. Leaves nothing behind: the cluster is stopped and the
# temporary folder removed, whatever happens.
#   run.sh BUILD_DIR OUTSIDE_SOURCE_DIR [CMAKE] [GENERATOR] [SANITIZE]
# SANITIZE: the -fsanitize= list herd was built with, if any. The outside
# project is compiled with it too: ThreadSanitizer must see every atomic, and
# an uninstrumented copy of an inline function (shared_ptr's reference count)
# in the program would hide them from it.
set -euo pipefail

build_dir=$1
source_dir=$2
cmake=${3:-cmake}
generator=${4:-Unix Makefiles}
sanitize=${5:-}

work=$(mktemp -d /tmp/herd-find-package-XXXXXX)
prefix=$work/prefix
herd=$prefix/bin/herd
profile=outside
export HERD_DIR=$work/herd_dir

cleanup() {
  local status=$?
  if [[ -x $herd ]]; then
    timeout 30 "$herd" cluster stop --profile "$profile" >/dev/null 2>&1 || true
  fi
  if [[ $status -ne 0 && -d $HERD_DIR/profile_$profile/log ]]; then
    echo "--- cluster logs ---"
    tail -n 20 "$HERD_DIR/profile_$profile"/log/* 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

echo "== install into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log"
test -x "$herd"
test -f "$prefix/lib/cmake/herd/herdConfig.cmake"

echo "== configure and build the outside project"
"$cmake" -S "$source_dir" -B "$work/build" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" ${sanitize:+-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize} \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
"$cmake" --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

echo "== run without a cluster"
timeout 30 "$work/build/app"

echo "== run on a cluster of the installed herd"
ready=$(timeout 60 "$herd" cluster start --n 1 --daemonize --profile "$profile" \
  --load "$work/build/liboutside_tasks.so" --timeout 30)
echo "$ready"
client_file=$(sed -n 's/^ready .*client=\([^ ]*\).*$/\1/p' <<<"$ready")
test -f "$client_file"
pids=$(cat "$HERD_DIR/profile_$profile"/run/*.pid)
timeout 60 "$work/build/app" "$client_file"

echo "== stop"
timeout 30 "$herd" cluster stop --profile "$profile"
for pid in $pids; do
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
    echo "pid $pid still alive 10 s after herd cluster stop" >&2
    exit 1
  fi
done
if compgen -G "$HERD_DIR/profile_$profile/run/*.pid" >/dev/null; then
  echo "pid files left after stop: $(ls "$HERD_DIR/profile_$profile/run")" >&2
  exit 1
fi
echo "== ok"
