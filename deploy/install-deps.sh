#!/usr/bin/env bash
# Installs herd's build and test dependencies from Debian 12's packages.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  g++ cmake ninja-build pkg-config procps iproute2 \
  libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler \
  libboost-program-options-dev libspdlog-dev nlohmann-json3-dev \
  libgtest-dev libgmock-dev \
  openmpi-bin slurm-wlm munge openssh-server openssh-client >/dev/null
# openmpi-bin, slurm-wlm and munge: the launcher tests (tests/integration/launcher_*)
# run mpiexec and a single-node Slurm of their own; openssh-server and openssh-client: the ssh
# launcher's test runs an sshd of its own in a network namespace. No daemon is started here.
