#!/usr/bin/env bash
# Installs, from Debian 12's own archive, everything kci-vk needs to build, test, fuzz and
# benchmark. Idempotent: packages already present are not fetched again. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang lld libclang-rt-14-dev          # the fuzzers (libFuzzer) and LeakSanitizer
  libboost-dev                          # Asio and Beast (header-only)
  nlohmann-json3-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  python3-kubernetes                    # a second real client of the fake API server (tests)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing packages (${missing[*]}) and not root: run this script as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
