"""Greedy generation by the engine's CLI and by llama.cpp, and the rule for comparing
them (shared by the model tests)."""

import subprocess

import numpy as np

from conftest import BIN_DIR, NEAR_TIE

GENERATE = BIN_DIR / "engine" / "generate"

# Quantized matmuls on 8-bit activations (both engines) and llama.cpp's f16 KV cache
# move logits by a few tenths. Where greedy choices differ, the divergence is accepted
# only at a near-tie: the two tokens within NEAR_TIE logits of each other both in
# llama.cpp's logits and in the exact float64 reference's. Comparison ends there.


def ours_greedy(model, prompt, tokens):
    done = subprocess.run([GENERATE, f"--model={model}", f"--prompt={prompt}",
                           f"--max_tokens={tokens}", "--token_ids", "--ignore_eos", "--threads=2"],
                          check=True, capture_output=True, text=True, timeout=120)
    return [int(line) for line in done.stdout.split()]


def llama_cpp_greedy(llama, prompt_ids, tokens):
    llama.reset()
    out = []
    for token in llama.generate(prompt_ids, temp=0.0, top_k=1, reset=True):
        out.append(token)
        if len(out) == tokens:
            return out
    return out


def assert_same_or_near_tie(ours, theirs, prompt_ids, llama, reference):
    """Passes when the sequences agree, or first differ at a near-tie (see NEAR_TIE)."""
    if ours == theirs:
        return
    step = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
    context = prompt_ids + ours[:step]
    llama.reset()
    llama.eval(context)
    their_logits = np.array(llama.scores[len(context) - 1])
    gap = their_logits[theirs[step]] - their_logits[ours[step]]
    exact = reference.logits(context)[-1]
    exact_gap = abs(exact[theirs[step]] - exact[ours[step]])
    assert gap < NEAR_TIE, f"step {step}: llama.cpp prefers {theirs[step]} by {gap:.3f}"
    assert exact_gap < NEAR_TIE, f"step {step}: the float64 reference separates them by {exact_gap:.3f}"


def assert_greedy_matches_llama_cpp(path, prompt, request_close, tokens=24):
    """Greedy continuations of `prompt` by our CLI and by llama.cpp on the GGUF at
    `path` agree up to a near-tie (the reference: a float64 NumPy forward pass); returns
    ours."""
    from llama_cpp import Llama

    from reference.numpy_llama import NumpyLlama

    llama = Llama(str(path), n_ctx=128, logits_all=True, verbose=False)
    request_close(llama)
    prompt_ids = llama.tokenize(prompt.encode(), add_bos=True, special=True)
    ours = ours_greedy(path, prompt, tokens)
    theirs = llama_cpp_greedy(llama, prompt_ids, tokens)
    assert_same_or_near_tie(ours, theirs, prompt_ids, llama, NumpyLlama(path))
    return ours
