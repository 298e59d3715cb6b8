#!/usr/bin/env bash
# The project's one entry point for building and testing; the README's two commands and
# .ci/run call it.
#   tools/dev.sh main    install what is missing, build, run the main job
#   tools/dev.sh test    install what is missing, build, run every test (ctest)
#   tools/dev.sh asan    the same tests built with AddressSanitizer + UBSan (build-asan/)
#   tools/dev.sh fuzz    build the libFuzzer targets with clang and run each for
#                        FUZZ_SECONDS (default 20) seconds (build-fuzz/)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

configure_and_build() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

bash tools/install-deps.sh
case "${1:-}" in
  main)
    configure_and_build build
    exec bash tools/main-job.sh
    ;;
  test)
    configure_and_build build
    ctest --test-dir build -j "$jobs" --output-on-failure --timeout 600
    ;;
  asan)
    # -O0 without debug info: the quickest sanitizer build on 2 cores; reports still name
    # the functions (reconfigure with -g for line numbers when chasing one).
    configure_and_build build-asan -DKCI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0"
    # The scale scenarios (10,000 pods) run in the normal build only: under the sanitizers
    # they take minutes, and every path they take is exercised by the smaller scenarios.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 900 -LE '^scale$'
    ;;
  fuzz)
    cmake -S . -B build-fuzz -G Ninja -DKCI_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build-fuzz -j "$jobs" --target fuzzers
    seconds=${FUZZ_SECONDS:-20}
    for bin in build-fuzz/bin/fuzz_*; do
      case "$bin" in *_replay) continue ;; esac
      t=${bin##*/fuzz_}
      work=$(mktemp -d)
      echo "fuzzing $t for ${seconds}s"
      "$bin" -max_total_time="$seconds" -print_final_stats=0 "$work" "fuzz/corpus/$t" \
        >"$work.log" 2>&1 || { tail -50 "$work.log"; echo "fuzz target $t failed"; exit 1; }
      rm -rf "$work" "$work.log"
    done
    ;;
  *)
    echo "usage: tools/dev.sh main|test|asan|fuzz" >&2
    exit 2
    ;;
esac
