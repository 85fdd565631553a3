#!/usr/bin/env python3
"""Service benchmark: the engine server's aggregate generated tok/s with 1, 4, 8 and 16
concurrent gRPC streams (greedy, 128 tokens each; the calls come from stream_client, a
C++ gRPC client) and time to first token (p50/p99), beside llama.cpp's batched decoding of
as many sequences (llama-cpp-python's low-level batch API) on the same GGUF, measured in
the same run.

  .venv/bin/python tools/bench/serve_throughput.py [--threads 2] [--tokens 128] [--rounds 3]
(after `bazel build //engine:engine_server //tools/bench:stream_client`; llama.cpp logs to
stderr: add 2>/dev/null)
"""

import argparse
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import grpc
import llama_cpp as L
import numpy as np
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER = ROOT / "bazel-bin" / "engine" / "engine_server"
CLIENT = ROOT / "bazel-bin" / "tools" / "bench" / "stream_client"
PROMPT = "Story number {}: once upon a time, in a small village by the sea,"  # As stream_client's.


def default_model():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(cache) / "llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf"


def stubs():
    out = tempfile.mkdtemp()
    protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}",
                 f"--grpc_python_out={out}", "llm/v1/engine.proto"])
    sys.path.insert(0, out)
    from llm.v1 import engine_pb2, engine_pb2_grpc
    return engine_pb2, engine_pb2_grpc


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ours(model, streams_list, tokens, threads, rounds):
    pb2, pb2_grpc = stubs()
    port = free_port()
    server = subprocess.Popen([SERVER, f"--listen=127.0.0.1:{port}",
                               f"--metrics_listen=127.0.0.1:{free_port()}", f"--threads={threads}"],
                              env=dict(os.environ, MODEL_PATH=str(model)),
                              stderr=subprocess.DEVNULL)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = pb2_grpc.EngineStub(channel)
        while True:
            try:
                stub.Load(pb2.LoadRequest(), timeout=5)
                break
            except grpc.RpcError:
                time.sleep(0.1)

        def run(streams):
            out = subprocess.run([CLIENT, f"--grpc=127.0.0.1:{port}", f"--streams={streams}",
                                  f"--max_tokens={tokens}"],
                                 check=True, capture_output=True, text=True).stdout
            figures = json.loads(out)
            return (figures["tokens_per_second"], figures["ttft_p50_ms"] / 1000,
                    figures["ttft_p99_ms"] / 1000)

        # Rounds go over every concurrency in turn, so that a busy spell on the shared
        # machine hits them alike; each figure is the median of its rounds.
        samples = {streams: [] for streams in streams_list}
        for _ in range(rounds):
            for streams in streams_list:
                samples[streams].append(run(streams))
        return {streams: tuple(statistics.median(column) for column in zip(*rows))
                for streams, rows in samples.items()}
    finally:
        server.terminate()
        server.wait()


def llama_cpp_batched(model, streams, tokens, threads):
    """Greedy decoding of `streams` sequences in one llama.cpp batch per step."""
    vocab_model = L.llama_model_load_from_file(str(model).encode(), L.llama_model_default_params())
    vocab = L.llama_model_get_vocab(vocab_model)
    prompts = []
    for i in range(streams):
        text = PROMPT.format(i).encode()
        buffer = (L.llama_token * 256)()
        n = L.llama_tokenize(vocab, text, len(text), buffer, 256, False, True)
        prompts.append(list(buffer[:n]))
    params = L.llama_context_default_params()
    params.n_ctx = sum(len(p) + tokens for p in prompts) + 64
    params.n_batch = params.n_ubatch = max(512, sum(len(p) for p in prompts))
    params.n_seq_max = streams
    params.n_threads = params.n_threads_batch = threads
    params.kv_unified = True
    ctx = L.llama_init_from_model(vocab_model, params)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    batch = L.llama_batch_init(params.n_batch, 0, streams)

    def add(token, pos, seq, logits):
        i = batch.n_tokens
        batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, pos, 1
        batch.seq_id[i][0], batch.logits[i] = seq, logits
        batch.n_tokens += 1

    start = time.perf_counter()
    batch.n_tokens = 0
    last = []
    for s, prompt in enumerate(prompts):
        for j, token in enumerate(prompt):
            add(token, j, s, j == len(prompt) - 1)
        last.append(batch.n_tokens - 1)
    assert L.llama_decode(ctx, batch) == 0
    positions = [len(p) for p in prompts]
    for _ in range(tokens):
        next_tokens = [int(np.argmax(np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, i),
                                                           shape=(n_vocab,)))) for i in last]
        batch.n_tokens = 0
        for s, token in enumerate(next_tokens):
            add(token, positions[s], s, True)
            positions[s] += 1
        last = list(range(streams))
        assert L.llama_decode(ctx, batch) == 0
    rate = streams * tokens / (time.perf_counter() - start)
    L.llama_batch_free(batch)
    L.llama_free(ctx)
    L.llama_model_free(vocab_model)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(default_model()))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    counts = [1, 4, 8, 16]
    results = ours(args.model, counts, args.tokens, args.threads, args.rounds)
    print(f"{args.tokens} tokens per stream, {args.threads} threads, model {args.model}, "
          f"medians of {args.rounds} rounds")
    print(f"{'streams':>7} {'ours tok/s':>11} {'llama.cpp':>10} {'ratio':>6} "
          f"{'TTFT p50':>9} {'TTFT p99':>9}")
    single = results[1][0]
    for streams in counts:
        rate, p50, p99 = results[streams]
        theirs = statistics.median(llama_cpp_batched(args.model, streams, args.tokens, args.threads)
                                   for _ in range(args.rounds))
        print(f"{streams:>7} {rate:>11.1f} {theirs:>10.1f} {rate / theirs:>5.2f}x "
              f"{p50 * 1000:>7.0f}ms {p99 * 1000:>7.0f}ms")
    print(f"16 streams / 1 stream: {results[16][0] / single:.2f}x")


if __name__ == "__main__":
    main()
