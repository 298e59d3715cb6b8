#!/usr/bin/env bash
# The main job: replay the whole scenario suite (seed examples, the virtual-kubelet suite,
# chaos, scale) on the embedded fake cluster and print the summary table. Reports land in
# build/reports/ (JUnit, JSON and a self-contained HTML page).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/reports
build/bin/kci-vk sim scenarios/ \
  --junit build/reports/scenarios.xml \
  --json build/reports/scenarios.json \
  --html build/reports/scenarios.html
