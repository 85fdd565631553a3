#!/usr/bin/env python3
"""Gateway benchmark: the gateway's own overhead. An instant fake engine (no model)
stands behind one gateway limited to one HTTP thread; the same small completion is sent
directly to the engine over gRPC and through the gateway over HTTP (whole and streamed),
one request at a time (added latency) and with 16 in flight (requests/s per gateway
core), all in one run on this machine.

  .venv/bin/python tools/bench/gateway_overhead.py [--seconds 5]
(after `bazel build //gateway:gateway_server //tools/bench:fake_engine //tools/bench:load_client`)
"""

import argparse
import json
import os
import pathlib
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / "bazel-bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url):
    import requests

    for _ in range(200):
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never answered")


def load(seconds, concurrency, **target):
    args = [BIN / "tools/bench/load_client", f"--seconds={seconds}",
            f"--concurrency={concurrency}"]
    args += [f"--{key}={value}" for key, value in target.items()]
    return json.loads(subprocess.check_output(args, text=True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    engine_port, gateway_port = free_port(), free_port()
    engine = subprocess.Popen([BIN / "tools/bench/fake_engine", f"--listen=127.0.0.1:{engine_port}"])
    gateway = subprocess.Popen(
        [BIN / "gateway/gateway_server", f"--listen=127.0.0.1:{gateway_port}",
         f"--engines=127.0.0.1:{engine_port}", "--threads=1", "--health_interval=100ms"],
        stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        wait_for(f"http://127.0.0.1:{gateway_port}/v1/models")
        http = f"127.0.0.1:{gateway_port}"
        grpc = f"127.0.0.1:{engine_port}"
        rows = [
            ("one at a time", 1, {"grpc": grpc}, {"http": http}, {"http": http, "stream": "true"}),
            ("16 in flight", 16, {"grpc": grpc}, {"http": http}, {"http": http, "stream": "true"}),
        ]
        print(f"gateway: 1 HTTP thread; fake engine; {args.seconds:.0f}s per figure; "
              f"{os.cpu_count()} cores shared by engine, gateway and client")
        print(f"{'load':14} {'path':18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'added p50':>10} {'added p99':>10}")
        for name, concurrency, direct, whole, streamed in rows:
            base = load(args.seconds, concurrency, **direct)
            print(f"{name:14} {'engine (gRPC)':18} {base['requests_per_second']:9.0f} "
                  f"{base['p50_ms']:8.3f} {base['p99_ms']:8.3f}")
            for path, target in (("gateway (JSON)", whole), ("gateway (SSE)", streamed)):
                got = load(args.seconds, concurrency, **target)
                print(f"{name:14} {path:18} {got['requests_per_second']:9.0f} "
                      f"{got['p50_ms']:8.3f} {got['p99_ms']:8.3f} "
                      f"{got['p50_ms'] - base['p50_ms']:10.3f} {got['p99_ms'] - base['p99_ms']:10.3f}")
    finally:
        for proc in (gateway, engine):
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
