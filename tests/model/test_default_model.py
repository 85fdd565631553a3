"""The engine on the default model (SmolLM2-135M-Instruct, Q4_1 GGUF) against two
independent references: llama.cpp (llama-cpp-python) for tokenization and greedy
generation, and a float64 NumPy forward pass over gguf-py's weights for logits."""

import pathlib
import subprocess

import numpy as np
import pytest
from llama_cpp import Llama

from conftest import default_model_path
from fixture_models import MODEL_LOGITS, corpus_lines, ours_tokenize
from greedy import assert_same_or_near_tie, llama_cpp_greedy, ours_greedy
from reference.numpy_llama import NumpyLlama


PROMPTS = [
    "The capital of France is",
    "Once upon a time, in a small village,",
    "def fibonacci(n):",
    "The three primary colors are",
    "Water boils at a temperature of",
    "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n",
    "List of planets: Mercury, Venus,",
    "In 1969, the first person to walk on the moon was",
    "import numpy as np\nx = np.",
    "The quick brown fox",
]
GREEDY_TOKENS = 32


@pytest.fixture(scope="module")
def llama_cpp():
    # Closed explicitly: llama.cpp objects freed by the garbage collector at interpreter
    # exit can crash the process.
    llama = Llama(str(default_model_path()), n_ctx=512, n_threads=2, logits_all=True,
                  verbose=False)
    yield llama
    llama.close()


@pytest.fixture(scope="module")
def reference():
    return NumpyLlama(default_model_path())


def test_tokenization_matches_llama_cpp(llama_cpp):
    texts = list(corpus_lines())
    results = ours_tokenize(default_model_path(), texts)
    assert len(results) == len(texts)
    for text, ours in zip(texts, results):
        expected = llama_cpp.tokenize(text.encode(), add_bos=False, special=True)
        assert ours["ids"] == expected, text
        assert ours["decoded"] == text


def test_logits_match_float64_reference(reference, llama_cpp):
    """Quantized weights are multiplied with activations rounded to 8 bits per 32-value
    block (as llama.cpp does), which moves logits by a few tenths. The check: our error
    against the exact float64 reference is no worse than llama.cpp's own, on average over
    a 35-token text (long enough for a stable average) and at the worst logit."""
    tokens = llama_cpp.tokenize(
        b"Once upon a time, in a small village by the sea, there lived an old fisherman who "
        b"went out every morning at dawn and came back with his boat full of fish.",
        add_bos=False)
    out = pathlib.Path(subprocess.check_output(["mktemp", "-u"], text=True).strip())
    assert len(tokens) == 35
    subprocess.run([MODEL_LOGITS, default_model_path(), out, *map(str, tokens)], check=True,
                   timeout=60)
    vocab = reference.lm_head.shape[0]
    incremental = np.fromfile(f"{out}.incremental.f32", dtype=np.float32).reshape(-1, vocab)
    prefill = np.fromfile(f"{out}.prefill.f32", dtype=np.float32)
    expected = reference.logits(tokens)
    llama_cpp.reset()
    llama_cpp.eval(tokens)
    theirs = np.array(llama_cpp.scores[: len(tokens)])

    def rms(error):
        return float(np.sqrt(np.mean(error**2)))

    our_error, their_error = incremental - expected, theirs - expected
    assert rms(our_error) <= 1.2 * rms(their_error), (rms(our_error), rms(their_error))
    assert np.abs(our_error).max() <= 1.5 * np.abs(their_error).max()
    # The batched prefill path (eight tokens per kernel call) is not bit-identical to the
    # one-token path: a different summation order can flip an activation's 8-bit
    # rounding. Its error stays within the spread of llama.cpp's per-position errors.
    their_worst_position = max(rms(row) for row in their_error)
    assert rms(prefill - expected[-1]) <= their_worst_position
    assert np.argmax(prefill) == np.argmax(expected[-1])
    assert (np.argmax(incremental, axis=1) == np.argmax(expected, axis=1)).mean() >= 0.9


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_matches_llama_cpp(prompt, llama_cpp, reference):
    prompt_ids = llama_cpp.tokenize(prompt.encode(), add_bos=False, special=True)
    ours = ours_greedy(default_model_path(), prompt, GREEDY_TOKENS)
    assert len(ours) == GREEDY_TOKENS
    theirs = llama_cpp_greedy(llama_cpp, prompt_ids, GREEDY_TOKENS)
    assert_same_or_near_tie(ours, theirs, prompt_ids, llama_cpp, reference)


def test_chat_renders_the_models_template_as_transformers_does():
    """--chat: the user message in the GGUF's own chat template, rendered by our Jinja
    interpreter, generates what the prompt transformers' apply_chat_template renders does."""
    from gguf import GGUFReader
    from transformers import AutoTokenizer

    from greedy import GENERATE

    field = GGUFReader(default_model_path()).fields["tokenizer.chat_template"]
    template = bytes(field.parts[field.data[0]]).decode()
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path().parent),
                                              gguf_file=default_model_path().name)
    message = "What is the tallest mountain?"
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": message}],
                                             chat_template=template, tokenize=False,
                                             add_generation_prompt=True)

    def run(*flags):
        return subprocess.run([GENERATE, f"--model={default_model_path()}", "--max_tokens=12",
                               "--token_ids", *flags], check=True, capture_output=True,
                              text=True, timeout=120).stdout.split()

    assert run(f"--chat={message}") == run(f"--prompt={rendered}")
