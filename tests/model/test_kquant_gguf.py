"""A Llama GGUF laid out as Q4_K_M files are (Q4_K, Q5_K and Q6_K weights; random blocks,
from tests/fixtures/make_gguf_llama.py): the engine's integer K-quant kernels against
the float64 reference over gguf-py's decoding, beside llama.cpp's error.

Greedy generation is compared on the real default model only: in a random model every
rounding difference is amplified through sharp attention, so two correct engines with
8-bit activations part ways within a few tokens."""

import subprocess

import numpy as np
import pytest
from llama_cpp import Llama

from fixture_models import MODEL_LOGITS, request_close  # noqa: F401
from make_gguf_llama import make_kquant
from reference.numpy_llama import NumpyLlama


@pytest.fixture(scope="module")
def kquant_model(tmp_path_factory):
    path, tokenizer = make_kquant(tmp_path_factory.mktemp("kquant"))
    return path, tokenizer, NumpyLlama(path)


def rms(error):
    return float(np.sqrt(np.mean(error**2)))


def test_logits_as_accurate_as_llama_cpp(kquant_model, request_close, tmp_path):
    path, tokenizer, reference = kquant_model
    llama = Llama(str(path), n_ctx=128, logits_all=True, verbose=False)
    request_close(llama)
    tokens = llama.tokenize(b"Once upon a time, in a small village by the sea, there lived",
                            add_bos=True)
    subprocess.run([MODEL_LOGITS, path, tmp_path / "out", *map(str, tokens)], check=True,
                   timeout=60)
    expected = reference.logits(tokens)
    ours = np.fromfile(tmp_path / "out.incremental.f32", dtype=np.float32).reshape(len(tokens), -1)
    llama.eval(tokens)
    theirs = np.array(llama.scores[: len(tokens)])
    # Both engines round activations to 8 bits (llama.cpp per 256 values for K-quants,
    # we per 32); ours must be no less accurate, as for the default model.
    assert rms(ours - expected) <= 1.2 * rms(theirs - expected)
    assert np.abs(ours - expected).max() <= 1.5 * np.abs(theirs - expected).max()
    assert (ours.argmax(axis=1) == expected.argmax(axis=1)).mean() >= 0.9
