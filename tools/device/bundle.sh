#!/usr/bin/env bash
# Builds what the GPU checks run and gathers it under .device/ (ignored by git), for the
# device tool to carry to a lent GPU machine, which has CUDA, its libraries and Python but
# no Bazel and none of Debian's libraries:
#   .device/bin   the CUDA tests, the generate CLI, the tiny-model writer and the GPU
#                 decode benchmark (stripped)
#   .device/lib   the shared libraries they need beyond glibc, libstdc++ and CUDA's own
#   .device/model the default model in two halves (each call carries at most 64 MiB)
# Then, from the repository root, two device calls on the same warm machine (together
# they pass the 64 MiB one call may carry; carried paths stay there between calls):
#   run(command="true", carry=[".device/lib"])
#   run(command="bash tools/device/gpu_checks.sh; bash tools/device/gpu_bench.sh",
#       carry=[".device/bin"])
# To check the default model too, carry .device/model/part-aa and part-ab in two more
# calls first (gpu_checks.sh joins them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TARGETS=$(bazel query 'kind(cc_test, //kernels/... + //engine/parallel/... + //engine/backend/cuda/...)' 2>/dev/null)
EXTRA="//engine:generate //tools/device:write_tiny_model //tools/bench:gpu_decode //tools/bench:gpu_attention"
bazel build --jobs=2 $TARGETS $EXTRA
rm -rf .device && mkdir -p .device/bin .device/lib .device/model
for target in $TARGETS $EXTRA; do
  path=bazel-bin/$(echo "${target#//}" | tr : /)
  cp "$path" .device/bin/ && chmod u+w ".device/bin/$(basename "$path")"
done
strip -s .device/bin/*
# Libraries the device machine lacks: everything ldd resolves except the C runtime and
# CUDA's libraries (there from the CUDA toolkit and PyTorch's wheels).
ldd .device/bin/* 2>/dev/null | awk '/=> \//{print $3}' | sort -u |
  grep -v -E '/(libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so|libcublas|libnccl|libcuda' |
  xargs -r -I{} cp -L {} .device/lib/
MODEL="${XDG_CACHE_HOME:-$HOME/.cache}/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[[ -f "$MODEL" ]] && split -n 2 "$MODEL" .device/model/part-
du -sh .device/bin .device/lib .device/model
