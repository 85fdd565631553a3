#!/usr/bin/env bash
# Builds what the GPU checks run and packs it for the device tool to carry to a lent GPU
# machine, which has CUDA, its libraries and Python but no Bazel and none of Debian's
# libraries. Gathers, under .device/ (ignored by git):
#   bin    the CUDA tests, the generate CLI, the engine and gateway servers and the GPU
#          benchmarks (stripped)
#   lib    the shared libraries they need beyond glibc, libstdc++ and CUDA's own
#   model  the default model (default.gguf)
#   whl    the gguf package's wheel, for the transformers reference (reference_greedy.py)
# and packs them as one xz tarball split in two halves, .device/part-aa and part-ab,
# since one call carries at most 64 MiB. Then, from the repository root, two device calls
# on the same warm machine (a carried path stays there between calls):
#   run(command="true", carry=[".device/part-aa"])
#   run(command="bash tools/device/gpu_all.sh", carry=[".device/part-ab"], timeout_s=600)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TARGETS=$(bazel query 'kind(cc_test, //kernels/... + //engine/parallel/... + //engine/backend/cuda/...)' 2>/dev/null)
EXTRA="//engine:generate //tools/bench:gpu_decode //tools/bench:gpu_attention
  //engine:engine_server //gateway:gateway_server"
bazel build --jobs=2 $TARGETS $EXTRA
rm -rf .device && mkdir -p .device/bin .device/lib .device/model .device/whl
for target in $TARGETS $EXTRA; do
  path=bazel-bin/$(echo "${target#//}" | tr : /)
  cp "$path" .device/bin/ && chmod u+w ".device/bin/$(basename "$path")"
done
strip -s .device/bin/*
# Libraries the device machine lacks: everything ldd resolves except the C runtime and
# CUDA's libraries (there from the CUDA toolkit and PyTorch's wheels). Asked of Bazel's
# own outputs: a test links the project's libraries from beside it ($ORIGIN/_solib_*),
# which the copies in .device/bin no longer find.
for target in $TARGETS $EXTRA; do echo "bazel-bin/$(echo "${target#//}" | tr : /)"; done |
  xargs ldd 2>/dev/null | awk '/=> \//{print $3}' | sort -u |
  grep -v -E '/(libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|ld-linux[^/]*|libcuda|libcublas(Lt)?|libnccl)\.so' |
  xargs -r -I{} cp -L {} .device/lib/
MODEL="${XDG_CACHE_HOME:-$HOME/.cache}/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf"
cp "$MODEL" .device/model/default.gguf
# The gguf package for the transformers reference (pure Python; the device has no index).
.venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .device/whl \
  "$(grep '^gguf==' tools/requirements-test.txt)"
# The device's copy of the tree may carry a stale .git: the report names this commit.
git describe --always --dirty >.device/bin/commit
tar -C .device -c bin lib model whl | xz -6 -T2 >.device/pack.tar.xz
split -n 2 .device/pack.tar.xz .device/part-
rm -rf .device/bin .device/lib .device/model .device/whl .device/pack.tar.xz
ls -l .device
