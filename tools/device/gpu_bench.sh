#!/usr/bin/env bash
# The GPU benchmark, run on a lent GPU machine from the repository root once bundle.sh's
# halves were carried and unpacked (gpu_all.sh does both): decode step latency of our CUDA backend for a
# Llama-2-7B-shaped model with random weights (bf16 and INT8) at batch 1, 8, 32 and 64,
# beside the HBM floor measured in the same run and beside PyTorch (transformers with a
# static cache) on the same card, eager, and compiled (torch.compile, CUDA graphs) at
# batch 32 as far as the time allows. Targets: batch-1 bf16 within 1.3x of the
# floor; batch 32 at least 1.5x PyTorch's tokens/s. Then batch 1 and 8 with serial
# kernel launches (what overlapping them gains), the two attention kernels on
# decode steps (gpu_attention), beside the copy bandwidth, and a decode step's kernels
# profiled (ncu_summary.py). Writes $OUT/bench.md and prints it.
set -uo pipefail
OUT=${OUT:-/tmp/gpu_bench}
mkdir -p "$OUT"
source "$(dirname "${BASH_SOURCE[0]}")/device_env.sh"
BATCHES=${BATCHES:-1,8,32,64}
# The parts to run (a lease short of time runs fewer), in this order: what the targets
# compare first (bf16 beside eager and compiled PyTorch), then the rest, so that a run cut
# short keeps the figures that matter most.
PARTS=${PARTS:-ours,torch,compiled,serial,attention,profile,int8}
part() { [[ ",$PARTS," == *",$1,"* ]]; }
if part ours; then
  # Should overlapped launches fail on this machine, the figures come from serial ones.
  timeout 120 .device/bin/gpu_decode --batches "$BATCHES" >"$OUT/ours_bf16.txt" \
    2>"$OUT/ours_bf16.err" ||
    timeout 120 .device/bin/gpu_decode --serial_launches --batches "$BATCHES" \
      >"$OUT/ours_bf16.txt" 2>>"$OUT/ours_bf16.err"
fi
if part torch; then
  timeout 120 python3 tools/bench/gpu_decode_torch.py --batches "$BATCHES" >"$OUT/torch.txt" \
    2>"$OUT/torch.err"
fi
if part compiled; then
  timeout "${COMPILE_TIMEOUT:-150}" python3 tools/bench/gpu_decode_torch.py --compile \
    --batches 32 >"$OUT/torch_compiled.txt" 2>"$OUT/torch_compiled.err"
fi
# What overlapped launches gain where kernels are small: batch 1 and 8 without them.
if part serial; then
  timeout 60 .device/bin/gpu_decode --serial_launches --batches 1,8 >"$OUT/ours_serial.txt" \
    2>"$OUT/ours_serial.err"
fi
if part attention; then
  timeout 60 .device/bin/gpu_attention --batches "$BATCHES" >"$OUT/attention.txt" \
    2>"$OUT/attention.err"
fi
# Where a decode step's time goes, kernel by kernel (Nsight Compute, 4 layers).
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
for batch in 1 32; do
  part profile || break
  timeout 60 "${NCU:-ncu}" --clock-control none --profile-from-start off --csv \
    --metrics gpu__time_duration.sum,dram__bytes.sum --log-file "$OUT/ncu_b$batch.csv" \
    .device/bin/gpu_decode --layers 4 --steps 3 --batches "$batch" >/dev/null 2>"$OUT/ncu_b$batch.err"
  python3 tools/bench/ncu_summary.py "$OUT/ncu_b$batch.csv" >"$OUT/profile_b$batch.txt" 2>&1
done
if part int8; then
  timeout 120 .device/bin/gpu_decode --int8 --batches "$BATCHES" >"$OUT/ours_int8.txt" \
    2>"$OUT/ours_int8.err"
fi
python3 - "$OUT" <<'PY' | tee "$OUT/bench.md"
import pathlib, sys
out = pathlib.Path(sys.argv[1])
def rows(name):
    path = out / name
    lines = path.read_text().splitlines() if path.exists() else []
    return {int(l.split()[1]): l.split()[2:] for l in lines
            if len(l.split()) > 2 and l.split()[0] in ("bf16", "int8", "torch", "torch.compile")
            and l.split()[1].isdigit()}
def ratio(ours, theirs):
    return f"{float(ours) / float(theirs[1]):.2f}x" if theirs else "-"
torch, compiled = rows("torch.txt"), rows("torch_compiled.txt")
print((out / "ours_bf16.txt").read_text().partition("\n")[0] if (out / "ours_bf16.txt").exists() else "")
print("weights batch  ours_ms  floor_ms  ours/floor  ours_tok/s  torch_tok/s  ours/torch"
      "  compiled_tok/s  ours/compiled")
for name in ("ours_bf16.txt", "ours_int8.txt"):
    for batch, (step, floor, over, tok) in sorted(rows(name).items()):
        t, c = torch.get(batch), compiled.get(batch)
        print(f"{name[5:9]:>7} {batch:5d} {float(step):8.2f} {float(floor):9.2f} {float(over):10.2f}x"
              f" {float(tok):11.0f} {t[1] if t else '-':>12} {ratio(tok, t):>10}"
              f" {c[1] if c else '-':>15} {ratio(tok, c):>14}")
PY
{
  echo
  echo "decode attention, one layer ($(head -1 "$OUT/ours_bf16.txt"))"
  cat "$OUT/attention.txt" "$OUT/attention.err" 2>/dev/null
  echo
  echo "bf16 decode steps with serial kernel launches (gpu_decode --serial_launches)"
  cat "$OUT/ours_serial.txt" 2>/dev/null
  echo
  echo "decode products timed by the backend (weight_products.h)"
  grep -ho 'timed a .*' "$OUT/ours_bf16.err"
  for batch in 1 32; do
    echo
    echo "decode step at batch $batch by kernel (4 layers, 3 steps; ncu)"
    cat "$OUT/profile_b$batch.txt" 2>/dev/null
  done
} | tee -a "$OUT/bench.md"
