#!/usr/bin/env bash
# The whole stack on the GPU, run by gpu_checks.sh: two engines serve the same model, one
# with DEVICE=cuda and one with DEVICE=cpu, each behind its own gateway, and the same
# chat completions at temperature 0 go to both over the OpenAI API; each answer is held
# against the other and against transformers in f32 (reference_greedy.py --chat, with
# the gguf package gpu_checks.sh installed in /tmp/site). Then an engine with DEVICE=auto
# and a setting the GPU path refuses must fall back to the CPU. Appends to $REPORT; the
# servers' logs land in $OUT.
#   gpu_serve.sh MODEL
set -uo pipefail
MODEL=$1
BIN=.device/bin
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT
for device in cuda cpu; do
  port=$([[ $device == cuda ]] && echo 0 || echo 1)
  DEVICE=$device MODEL_PATH=$MODEL "$BIN/engine_server" --listen=127.0.0.1:5005$port \
    --metrics_listen=127.0.0.1:909$port >"$OUT/engine_$device.log" 2>&1 &
  pids+=($!)
  "$BIN/gateway_server" --listen=127.0.0.1:808$port --engines=127.0.0.1:5005$port \
    >"$OUT/gateway_$device.log" 2>&1 &
  pids+=($!)
done
questions=("What is the capital of France?" "Write a haiku about the sea." "List three prime numbers.")
PYTHONPATH=/tmp/site timeout 120 python3 "$(dirname "${BASH_SOURCE[0]}")/reference_greedy.py" \
  --chat "$MODEL" 48 "${questions[@]}" >"$OUT/reference_chat.txt" 2>"$OUT/reference_chat.err"
python3 - "$REPORT" "$OUT/reference_chat.txt" "${questions[@]}" <<'PY'
import json, sys, time, urllib.request

def post(port, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions",
                                     json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)

def ready(port):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2).status == 200
    except OSError:
        return False

deadline = time.time() + 90
while not (ready(8080) and ready(8081)) and time.time() < deadline:
    time.sleep(0.5)
lines = []
if not (ready(8080) and ready(8081)):
    lines.append("- FAIL: the servers were not ready in 90 s (engine_*.log, gateway_*.log)")
else:
    with open(sys.argv[2]) as f:
        reference = [json.loads(line) for line in f]
    for i, question in enumerate(sys.argv[3:]):
        body = {"model": "gpt-3.5-turbo", "temperature": 0, "max_tokens": 48,
                "messages": [{"role": "user", "content": question}]}
        try:
            gpu, cpu = post(8080, body), post(8081, body)
            a, b = gpu["choices"][0]["message"]["content"], cpu["choices"][0]["message"]["content"]
            ref = reference[i] if i < len(reference) else None
            lines.append(f"- served chat '{question}': gpu {a!r} ({gpu['usage']['completion_tokens']}"
                         f" tokens); GPU {'=' if a == b else '!='} CPU, GPU {'=' if a == ref else '!='}"
                         f" transformers, CPU {'=' if b == ref else '!='} transformers")
            if a != b or a != ref:
                lines.append(f"  cpu {b!r}; transformers {ref!r}")
        except Exception as error:  # Reported, not raised: the other checks go on.
            lines.append(f"- FAIL served chat '{question}': {error}")
with open(sys.argv[1], "a") as report:
    report.write("\n".join(lines) + "\n")
PY
grep -h "computing on" "$OUT"/engine_*.log | sed 's/^/- /' >>"$REPORT"

# DEVICE=auto with a setting the GPU path refuses (TENSOR_PARALLEL=3: the default model's
# 3 kv heads split evenly) must serve on the CPU, saying why.
TENSOR_PARALLEL=3 MODEL_PATH=$MODEL "$BIN/engine_server" --listen=127.0.0.1:50052 \
  --metrics_listen=127.0.0.1:9092 >"$OUT/engine_auto.log" 2>&1 &
auto=$!
for _ in $(seq 120); do
  grep -q "serving " "$OUT/engine_auto.log" && break
  kill -0 "$auto" 2>/dev/null || break
  sleep 0.5
done
kill "$auto" 2>/dev/null
echo "- DEVICE=auto, TENSOR_PARALLEL=3: $(grep -o 'computing on [a-z]*' "$OUT/engine_auto.log" ||
  echo 'did not start (engine_auto.log)'); $(grep -o 'runs it on the CPU' "$OUT/engine_auto.log" ||
  echo 'no fallback logged')" >>"$REPORT"
