#!/usr/bin/env bash
# Installs herd into a temporary prefix and checks its public surface there:
# every installed header compiles on its own with only the installed tree on
# the include path (none reaches a header that is not installed), and none
# defines a type that libherd keeps internal (boundary.cpp); dropping a
# value whose loss is a bug warns, and dropping any other does not
# (dropped.cpp).
#   run.sh BUILD_DIR SOURCE_DIR CMAKE CXX
set -euo pipefail

build_dir=$1
source_dir=$2
cmake=$3
cxx=$4

work=$(mktemp -d /tmp/herd-public-headers-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log"
include=$prefix/include
test -f "$include/herd/herd.hpp"

failed=0
for header in "$include"/herd/*.hpp; do
  name=herd/$(basename "$header")
  if ! out=$(printf '#include <%s>\n' "$name" | "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra \
      -Werror -I"$include" -x c++ - 2>&1); then
    echo "installed <$name> does not compile on its own:" >&2
    echo "$out" >&2
    failed=1
  fi
done
if ! out=$("$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$include" \
    "$source_dir/boundary.cpp" 2>&1); then
  echo "an installed header defines a libherd internal:" >&2
  echo "$out" >&2
  failed=1
fi
# The lines that warn must be exactly the lines marked "dropped".
dropped=$source_dir/dropped.cpp
warned=$("$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -I"$include" "$dropped" 2>&1 |
  sed -n 's/^[^:]*dropped\.cpp:\([0-9]*\):[0-9]*: warning: .*/\1/p' | sort -nu)
marked=$(grep -n '// dropped$' "$dropped" | cut -d: -f1 | sort -nu)
if [[ $warned != "$marked" ]]; then
  echo "dropped.cpp: lines that warn differ from the lines marked // dropped:" >&2
  diff <(echo "$marked") <(echo "$warned") >&2 || true
  failed=1
fi
exit "$failed"
