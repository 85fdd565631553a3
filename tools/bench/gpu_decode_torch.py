#!/usr/bin/env python3
"""PyTorch's side of the GPU decode benchmark (tools/bench/gpu_decode.cc): decode step
latency of transformers' LlamaForCausalLM with a static KV cache, Llama-2-7B shapes,
random bf16 weights, at the same batch sizes and context. A step's time is the difference
between generating 1 + steps tokens and generating 1, over steps (median of 3 each), so
prefill and set-up cancel out. Prints one line per batch: "torch BATCH STEP_MS TOK_S"
("torch.compile" with --compile).

Eager by default: with a static cache, generate would otherwise compile the decode step
(torch.compile, CUDA graphs) once per batch size, minutes of a short GPU lease; --compile
measures that mode too.

  python3 gpu_decode_torch.py [--context 512] [--steps 20] [--batches 1,8,32,64]
      [--layers 32] [--tiny] [--cache static] [--compile]
  (--tiny: a small model on the CPU, to check the script; --cache dynamic where the torch
  is too old for transformers' static cache)
"""

import argparse
import statistics
import time

import torch
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batches", default="1,8,32,64")
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--cache", default="static", help="static, or dynamic (old torch)")
    parser.add_argument("--compile", action="store_true", help="generate's torch.compile")
    args = parser.parse_args()
    device = "cpu" if args.tiny else "cuda"
    dtype = torch.float32 if args.tiny else torch.bfloat16
    size = dict(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                num_key_value_heads=4) if args.tiny else dict(
        hidden_size=4096, intermediate_size=11008, num_attention_heads=32, num_key_value_heads=32)
    config = LlamaConfig(vocab_size=32000, num_hidden_layers=args.layers,
                         max_position_embeddings=4096, **size)
    torch.manual_seed(0)
    torch.set_default_dtype(dtype)
    if hasattr(torch.device(device), "__enter__"):  # Built on the GPU directly (torch ≥ 2).
        with torch.device(device):
            model = LlamaForCausalLM(config).eval()
    else:
        model = LlamaForCausalLM(config).to(device).eval()

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    # Transformers older than 4.49 never compile on their own.
    compile_option = ({"disable_compile": not args.compile}
                      if hasattr(GenerationConfig(), "disable_compile") else {})
    for batch in map(int, args.batches.split(",")):
        ids = torch.randint(0, config.vocab_size, (batch, args.context), device=device)

        def generate(tokens):
            sync()
            start = time.perf_counter()
            with torch.no_grad():
                model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=tokens,
                               min_new_tokens=tokens, do_sample=False,
                               cache_implementation=None if args.cache == "dynamic" else "static",
                               pad_token_id=0, **compile_option)
            sync()
            return time.perf_counter() - start

        generate(2)  # Warm-up: kernels, cache allocation.
        one = statistics.median(generate(1) for _ in range(3))
        many = statistics.median(generate(1 + args.steps) for _ in range(3))
        step = (many - one) / args.steps
        label = "torch.compile" if args.compile else "torch"
        print(f"{label} {batch} {step * 1e3:.2f} {batch / step:.0f}", flush=True)


if __name__ == "__main__":
    main()
