#!/usr/bin/env bash
# The GPU checks, run on a lent GPU machine from the repository root once bundle.sh's
# halves were carried and unpacked (tools/device/unpack.sh). In one go:
#   1. every CUDA test (kernels, cuBLASLt, INT8 GEMM, CUDA graphs, NCCL, the CUDA backend
#      against the CPU one), which skip nowhere here: a skip is reported as a failure; a
#      failing one again with serial kernel launches; two kernels' tests under memcheck;
#   2. greedy generation of the default model on the GPU and on the CPU backend, token for
#      token against each other and against transformers in f32 (reference_greedy.py),
#      bf16 and USE_INT (cuda_backend_test compares a tiny random-weight model);
#   3. the engine and gateway serving the default model on the GPU, answering chat
#      completions at temperature 0 as a CPU engine does (gpu_serve.sh).
# CHECKS names the parts to run (default: tests,memcheck,greedy,serve). Writes
# $OUT/report.md (and each test's log); prints the report last.
set -uo pipefail
OUT=${OUT:-/tmp/gpu_checks}
mkdir -p "$OUT"
REPORT=$OUT/report.md
# The checks to run (a lease short of time runs fewer).
CHECKS=${CHECKS:-tests,memcheck,greedy,serve}
check() { [[ ",$CHECKS," == *",$1,"* ]]; }
source "$(dirname "${BASH_SOURCE[0]}")/device_env.sh"
BIN=.device/bin
{
  echo "# GPU checks, $(date -u +%F), commit $(cat "$BIN/commit" 2>/dev/null || echo '?')"
  echo
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  echo
  echo "## CUDA tests"
  echo
} >"$REPORT"
failed=0
for test in "$BIN"/*_test; do
  check tests || break
  name=$(basename "$test")
  timeout 90 "$test" >"$OUT/$name.log" 2>&1
  status=$?
  skipped=$(grep -c 'needs a GPU' "$OUT/$name.log")  # Not the no-GPU tests' own skips.
  passed=$(grep -o '\[  PASSED  \] [0-9]*' "$OUT/$name.log" | grep -o '[0-9]*$')
  if [[ $status -ne 0 || $skipped -gt 0 ]]; then
    failed=$((failed + 1))
    echo "- FAIL $name (exit $status, $skipped skipped): $(grep -m3 -E 'Failure|error|needs a GPU' "$OUT/$name.log" | tr '\n' ' ')" >>"$REPORT"
    # Whether overlapped kernel launches (kernels/common/launch.h) are the cause.
    LLM_SERIAL_LAUNCHES=1 timeout 90 "$test" >"$OUT/$name.serial.log" 2>&1
    echo "  with LLM_SERIAL_LAUNCHES=1: exit $?" >>"$REPORT"
  else
    echo "- ok $name ($passed tests)" >>"$REPORT"
  fi
done

# The decode attention and weight-streaming kernels under compute-sanitizer: no access
# outside their buffers.
for test in paged_attention_decode_test skinny_gemm_test; do
  check memcheck || break
  timeout 60 "$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)" \
    --tool memcheck --error-exitcode 1 "$BIN/$test" >"$OUT/memcheck_$test.log" 2>&1
  echo "- memcheck of $test: exit $? ($(grep -m1 -E 'ERROR SUMMARY' "$OUT/memcheck_$test.log"))" >>"$REPORT"
done

if check greedy; then
  echo -e "\n## Greedy generation: GPU, CPU and transformers (f32)\n" >>"$REPORT"
  # Leading tokens two space-separated id lists share.
  agree() {
    local -a a b
    read -ra a <<<"$1"
    read -ra b <<<"$2"
    local n=0
    while [[ $n -lt ${#a[@]} && $n -lt ${#b[@]} && "${a[$n]}" == "${b[$n]}" ]]; do n=$((n + 1)); done
    echo "$n"
  }
  model=.device/model/default.gguf
  prompts=("The capital of France is" "def fibonacci(n):" "Once upon a time,")
  python3 -m pip install -q --no-index --no-deps --target /tmp/site .device/whl/*.whl >/dev/null 2>&1
  mapfile -t reference < <(PYTHONPATH=/tmp/site timeout 120 python3 tools/device/reference_greedy.py \
    "$model" 32 "${prompts[@]}" 2>"$OUT/reference.err")
  for int8 in false true; do
    for i in "${!prompts[@]}"; do
      args=(--model="$model" --prompt="${prompts[$i]}" --max_tokens=32 --token_ids --ignore_eos --use_int8="$int8")
      cpu=$(timeout 60 "$BIN/generate" "${args[@]}" --device=cpu 2>"$OUT/cpu.err" | tr '\n' ' ')
      gpu=$(timeout 60 "$BIN/generate" "${args[@]}" --device=cuda 2>"$OUT/gpu.err" | tr '\n' ' ')
      ref=${reference[$i]:-}
      echo "- USE_INT=$int8 '${prompts[$i]}': of 32 tokens, GPU and CPU agree on $(agree "$gpu" "$cpu")," \
        "GPU and transformers on $(agree "$gpu" "$ref"), CPU and transformers on $(agree "$cpu" "$ref");" \
        "gpu: $(grep -o 'generated.*' "$OUT/gpu.err" | head -1)$(grep -m1 -i error "$OUT/gpu.err")" >>"$REPORT"
      [[ "$cpu" == "$gpu" ]] || echo "  cpu: $cpu; gpu: $gpu; transformers: $ref" >>"$REPORT"
    done
  done
fi
if check serve; then
  echo -e "\n## Served, GPU against CPU\n" >>"$REPORT"
  REPORT=$REPORT OUT=$OUT bash "$(dirname "${BASH_SOURCE[0]}")/gpu_serve.sh" .device/model/default.gguf
fi
echo -e "\n$failed CUDA test binaries failed or skipped" >>"$REPORT"
cat "$REPORT"
