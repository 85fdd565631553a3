"""A Llama GGUF with rope_freqs.weight (per-pair frequency factors, how llama.cpp stores
Llama-3.1's RoPE scaling): logits against the float64 reference that applies the
factors, and greedy generation against llama.cpp."""

import numpy as np
import pytest

from fixture_models import ours_logits, request_close  # noqa: F401
from greedy import assert_greedy_matches_llama_cpp
from make_gguf_llama import make_rope_freqs
from reference.numpy_llama import NumpyLlama

TEXT = "Once upon a time, in a small village by the sea, there lived 2024 fish and a cat"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_rope_freqs(tmp_path_factory.mktemp("rope_freqs"))


def test_logits_apply_the_frequency_factors(model, tmp_path):
    path, tokenizer = model
    tokens = tokenizer.encode(TEXT).ids
    ours = ours_logits(path, tokens, tmp_path / "out")
    reference = NumpyLlama(path)
    expected = reference.logits(tokens)
    np.testing.assert_allclose(ours, expected, atol=1e-2, rtol=0)
    # The factors matter here: without them the reference's logits move well past that.
    del reference.w["rope_freqs.weight"]
    assert np.abs(reference.logits(tokens) - expected).max() > 0.1


def test_greedy_matches_llama_cpp(model, request_close):
    path, _ = model
    assert_greedy_matches_llama_cpp(path, "Once upon a time, 12345 fish", request_close)
