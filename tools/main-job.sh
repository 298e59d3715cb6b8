#!/usr/bin/env bash
# The main job: what kci-vk does, shown on the embedded fake cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
build/bin/kci-vk version
