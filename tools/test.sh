#!/usr/bin/env bash
# Sets everything up and runs every test: the C++ unit tests beside the code
# (bazel test //...) and the process-level and end-to-end tests under tests/ (pytest).
# The last line is "N passed, N failed[, N skipped]"; the exit status is 1 on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tools/bootstrap.sh || { echo "0 passed, 1 failed"; exit 1; }

BAZEL_FLAGS=()
if [[ "${CI:-}" == "true" ]]; then
  BAZEL_FLAGS+=(--color=no --curses=no --show_progress_rate_limit=60)
fi
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

bazel build "${BAZEL_FLAGS[@]}" --keep_going //...
bazel test "${BAZEL_FLAGS[@]}" --keep_going //...
bazel query 'tests(//...)' 2>/dev/null >"$RESULTS/bazel_targets.txt"

# pytest finds the binaries Bazel just built through the bazel-bin link. One process per
# group: gRPC's and torch's native libraries in one interpreter can crash at its exit.
JUNIT=()
for group in process grpc_clients model openai_api; do
  .venv/bin/python -m pytest "tests/$group" -q -rs --junitxml="$RESULTS/$group.xml"
  JUNIT+=(--junit "$RESULTS/$group.xml")
done

TESTLOGS=$(bazel info bazel-testlogs 2>/dev/null)
# A fresh CI clone has its own Bazel server; do not leave it running.
[[ "${CI:-}" == "true" ]] && bazel shutdown 2>/dev/null

.venv/bin/python tools/ci/summarize_tests.py \
  --bazel_testlogs "$TESTLOGS" \
  --bazel_targets "$RESULTS/bazel_targets.txt" \
  "${JUNIT[@]}"
