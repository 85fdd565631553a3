#!/usr/bin/env bash
# Sets everything up, builds, and serves the model on this machine: an engine (gRPC on
# 127.0.0.1:50051, metrics on :9090) and a gateway in front of it (OpenAI API on
# http://127.0.0.1:8080/v1/ and /api/v1/). Ctrl-C or SIGTERM stops both.
#
# The model and the other settings come from the environment (README "Configuration");
# without MODEL_PATH the embedded default model is served. LLM_HOST changes the bind
# address (0.0.0.0 to serve other machines); ENGINE_PORT, METRICS_PORT and GATEWAY_PORT
# the ports.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HOST=${LLM_HOST:-127.0.0.1}
ENGINE_PORT=${ENGINE_PORT:-50051}
METRICS_PORT=${METRICS_PORT:-9090}
GATEWAY_PORT=${GATEWAY_PORT:-8080}

bash tools/bootstrap.sh
bazel build //engine:engine_server //gateway:gateway_server
BIN=$(bazel info bazel-bin 2>/dev/null)

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM EXIT

"$BIN/engine/engine_server" --listen="$HOST:$ENGINE_PORT" \
  --metrics_listen="$HOST:$METRICS_PORT" &
pids+=($!)
"$BIN/gateway/gateway_server" --listen="$HOST:$GATEWAY_PORT" \
  --engines="127.0.0.1:$ENGINE_PORT" &
pids+=($!)

# Ready when the gateway sees the engine SERVING (grpc.health.v1).
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/ready" >/dev/null 2>&1; then
    echo "serve: ready: OpenAI API at http://$HOST:$GATEWAY_PORT/api/v1/ (and /v1/)," \
      "engine gRPC at $HOST:$ENGINE_PORT" >&2
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "serve: a server exited; see its log above" >&2; exit 1; }
  done
  sleep 0.5
done
wait -n "${pids[@]}"
