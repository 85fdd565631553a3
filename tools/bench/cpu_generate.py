#!/usr/bin/env python3
"""CPU benchmark of the engine core against llama.cpp (llama-cpp-python) on the same
GGUF, measured in the same run: prefill tok/s on a 512-token prompt and decode tok/s
over 128 tokens, at 1 and 2 threads, each the median of several runs, beside the
memory-bandwidth floor for decode (weight bytes read per token / copy bandwidth
measured now).

  .venv/bin/python tools/bench/cpu_generate.py [--model PATH] [--runs 3]
"""

import argparse
import os
import pathlib
import re
import statistics
import subprocess
import time

import numpy as np
from gguf import GGUFReader
from llama_cpp import Llama

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATE = ROOT / "bazel-bin" / "engine" / "generate"
PROMPT_TOKENS = 512
DECODE_TOKENS = 128
PARAGRAPH = (
    "The history of computing is a story of abstraction: each generation of engineers "
    "hid the details of the machine below behind a simpler model, from switches to "
    "assembly, from assembly to compilers, and from compilers to libraries. "
)


def default_model():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(cache) / "llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf"


def prompt_of_length(llm, n):
    """Text whose tokenization is exactly n tokens (both engines tokenize alike)."""
    ids = llm.tokenize((PARAGRAPH * 40).encode(), add_bos=False)[:n]
    text = llm.detokenize(ids).decode()
    assert len(llm.tokenize(text.encode(), add_bos=False)) == n
    return text


def ours(model, prompt, threads):
    done = subprocess.run(
        [GENERATE, f"--model={model}", f"--prompt={prompt}", f"--max_tokens={DECODE_TOKENS}",
         "--ignore_eos", f"--threads={threads}"],
        check=True, capture_output=True, text=True)
    match = re.search(r"prompt (\d+) tokens in ([\d.]+)s .*generated (\d+) tokens in ([\d.]+)s",
                      done.stderr)
    prompt_n, prefill_s, generated, decode_s = match.groups()
    assert int(prompt_n) == PROMPT_TOKENS, prompt_n
    return int(prompt_n) / float(prefill_s), (int(generated) - 1) / float(decode_s)


def theirs(llm, prompt):
    tokens = llm.tokenize(prompt.encode(), add_bos=False)
    llm.reset()
    start = time.perf_counter()
    llm.eval(tokens)
    prefill = len(tokens) / (time.perf_counter() - start)
    start = time.perf_counter()
    token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    for _ in range(DECODE_TOKENS - 1):
        llm.eval([token])
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    decode = (DECODE_TOKENS - 1) / (time.perf_counter() - start)
    return prefill, decode


def copy_bandwidth():
    """Bytes moved per second by a large memory copy (read + write), median of 5."""
    src = np.ones(64 << 20, dtype=np.float32)  # 256 MiB
    dst = np.empty_like(src)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - start)
    return 2 * src.nbytes / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(default_model()))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    weight_bytes = sum(int(t.n_bytes) for t in GGUFReader(args.model).tensors)
    bandwidth = copy_bandwidth()
    floor = bandwidth / weight_bytes
    print(f"model {args.model}: {weight_bytes / 1e6:.1f} MB of weights read per decoded token")
    print(f"copy bandwidth {bandwidth / 1e9:.1f} GB/s -> decode floor {floor:.0f} tok/s")
    print(f"{'threads':>7} {'metric':>14} {'ours':>9} {'llama.cpp':>10} {'ratio':>7} {'% floor':>8}")
    for threads in (1, 2):
        llm = Llama(args.model, n_ctx=1024, n_batch=512, n_threads=threads,
                    n_threads_batch=threads, logits_all=True, verbose=False)
        prompt = prompt_of_length(llm, PROMPT_TOKENS)
        our_runs = [ours(args.model, prompt, threads) for _ in range(args.runs)]
        their_runs = [theirs(llm, prompt) for _ in range(args.runs)]
        for index, metric in enumerate(("prefill tok/s", "decode tok/s")):
            mine = statistics.median(r[index] for r in our_runs)
            other = statistics.median(r[index] for r in their_runs)
            share = f"{100 * mine / floor:.0f}%" if index == 1 else ""
            print(f"{threads:>7} {metric:>14} {mine:>9.1f} {other:>10.1f} {mine / other:>6.2f}x "
                  f"{share:>8}")
        llm.close()


if __name__ == "__main__":
    main()
