#!/usr/bin/env bash
# Everything a lent GPU machine checks, in one device call after bundle.sh's first half
# was carried (see bundle.sh): unpacks, runs gpu_checks.sh and gpu_bench.sh, each within
# a time limit so that one stuck step cannot cost the lease's other results, and leaves in
# $OUT what the device tool brings back (at most 8 files): report.md, bench.md and
# logs.tgz with every log.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RESULTS=${OUT:-/tmp/gpu_results}
WORK=/tmp/gpu_work
mkdir -p "$RESULTS" "$WORK"
bash tools/device/unpack.sh || exit 1
OUT=$WORK timeout "${CHECKS_TIMEOUT:-150}" bash tools/device/gpu_checks.sh
OUT=$WORK timeout "${BENCH_TIMEOUT:-400}" bash tools/device/gpu_bench.sh
cp "$WORK/report.md" "$WORK/bench.md" "$RESULTS/" 2>/dev/null
tar -C "$WORK" --exclude='*.gguf' -czf "$RESULTS/logs.tgz" .
