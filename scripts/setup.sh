#!/usr/bin/env bash
# Sets Baton up from a fresh Debian/Ubuntu machine: system packages, the build,
# an install into .venv/, and mpi4py built from source against it (with NumPy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need=()
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v make >/dev/null 2>&1 || need+=(make)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || need+=(python3-dev)
[ -f /usr/include/rdma/fabric.h ] || need+=(libfabric-dev)   # the network transport
# The tests across hosts (tests/cluster: network namespaces, sshd, Slurm) need root
# and these; without root they are skipped, so only root or passwordless sudo installs them.
cluster_pkgs=(openssh-server iproute2 slurm-wlm munge util-linux)
if ! dpkg -s "${cluster_pkgs[@]}" >/dev/null 2>&1 \
    && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
    need+=("${cluster_pkgs[@]}")
fi
[ -e /usr/include/sodium.h ] || need+=(libsodium-dev)   # mpiexec's job key (HMAC-SHA-256)
command -v clang >/dev/null 2>&1 || need+=(clang)   # the fuzz tests (libFuzzer, tests/fuzz)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

make -j"$(nproc)"
bash scripts/setup-python.sh "$root"
