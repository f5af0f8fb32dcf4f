#!/usr/bin/env bash
# Installs the Debian 12 packages ccmon needs to build, test and run its demo. Installs only what
# is missing, so it is cheap to call before every build (make demo / make test / .ci/run do).
# Nothing is downloaded from anywhere but Debian's archive.
set -euo pipefail

packages=(
  build-essential cmake pkg-config make git
  libboost-dev libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler
  prometheus-cpp-dev libsodium-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libssl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus curl python3
  # tests/deploy: manifests parsed with PyYAML, units checked with systemd-analyze, the units'
  # system call filter checked against strace, alertmanager.yml checked with amtool. None of
  # them starts a service in a container (systemd is not PID 1 there).
  python3-yaml systemd strace prometheus-alertmanager
  # tests/e2e/wallboard_test.py: the built-in wallboard in a real headless browser.
  chromium
  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes come with clang's runtime library.
  clang libclang-rt-14-dev llvm
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
