#!/usr/bin/env bash
# The GPU benchmark, run on a lent GPU machine from the repository root with .device/bin
# and .device/lib carried (bundle.sh): decode step latency of our CUDA backend for a
# Llama-2-7B-shaped model with random weights (bf16 and INT8) at batch 1, 8, 32 and 64,
# beside the HBM floor measured in the same run and beside PyTorch (transformers with a
# static cache) on the same card. Targets: batch-1 bf16 within 1.3x of the floor; batch
# 32 at least 1.5x PyTorch's tokens/s. Then the two attention kernels on decode steps
# (gpu_attention), beside the copy bandwidth. Writes $OUT/bench.md and prints it.
set -uo pipefail
OUT=${OUT:-/tmp/gpu_bench}
mkdir -p "$OUT"
source "$(dirname "${BASH_SOURCE[0]}")/device_env.sh"
BATCHES=${BATCHES:-1,8,32,64}
.device/bin/gpu_decode --batches "$BATCHES" >"$OUT/ours_bf16.txt" 2>"$OUT/ours_bf16.err"
.device/bin/gpu_decode --int8 --batches "$BATCHES" >"$OUT/ours_int8.txt" 2>"$OUT/ours_int8.err"
python3 tools/bench/gpu_decode_torch.py --batches "$BATCHES" >"$OUT/torch.txt" 2>"$OUT/torch.err"
.device/bin/gpu_attention --batches "$BATCHES" >"$OUT/attention.txt" 2>"$OUT/attention.err"
python3 - "$OUT" <<'PY' | tee "$OUT/bench.md"
import pathlib, sys
out = pathlib.Path(sys.argv[1])
def rows(name):
    lines = (out / name).read_text().splitlines()
    return {int(l.split()[1]): l.split()[2:] for l in lines if l.split()[:1] in (["bf16"], ["int8"], ["torch"]) and l.split()[1].isdigit()}
torch = rows("torch.txt")
print(open(out / "ours_bf16.txt").readline().strip())
print("weights batch  ours_ms  floor_ms  ours/floor  torch_ms  ours_tok/s  torch_tok/s  ours/torch")
for name in ("ours_bf16.txt", "ours_int8.txt"):
    for batch, (step, floor, ratio, tok) in sorted(rows(name).items()):
        t = torch.get(batch)
        speed = f"{float(tok) / float(t[1]):.2f}x" if t else "-"
        print(f"{name[5:9]:>7} {batch:5d} {float(step):8.2f} {float(floor):9.2f} {float(ratio):10.2f}x"
              f" {t[0] if t else '-':>9} {float(tok):11.0f} {t[1] if t else '-':>12} {speed:>10}")
PY
{
  echo
  echo "decode attention, one layer ($(head -1 "$OUT/ours_bf16.txt"))"
  cat "$OUT/attention.txt" "$OUT/attention.err"
} | tee -a "$OUT/bench.md"
