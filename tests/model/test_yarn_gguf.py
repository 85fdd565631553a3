"""A Llama GGUF with YaRN rope scaling keys (factor 4 over an original context of 32, as
llama.cpp's converter writes them): logits against the float64 reference, which
implements YaRN from its definition, and greedy generation against llama.cpp."""

import numpy as np
import pytest

from fixture_models import ours_logits, request_close  # noqa: F401
from greedy import assert_greedy_matches_llama_cpp
from make_gguf_llama import make_yarn
from reference.numpy_llama import NumpyLlama

# Past the original context of 32 positions.
TEXT = ("Once upon a time, in a small village by the sea, there lived 2024 fish and a cat "
        "who counted them every morning before the boats went out")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_yarn(tmp_path_factory.mktemp("yarn"))


def test_logits_apply_yarn(model, tmp_path):
    path, tokenizer = model
    tokens = tokenizer.encode(TEXT).ids
    assert len(tokens) > 40
    ours = ours_logits(path, tokens, tmp_path / "out")
    reference = NumpyLlama(path)
    expected = reference.logits(tokens)
    np.testing.assert_allclose(ours, expected, atol=1e-2, rtol=0)
    # YaRN matters here: without it the reference's logits move well past that.
    reference.yarn = None
    assert np.abs(reference.logits(tokens) - expected).max() > 0.1


def test_greedy_matches_llama_cpp(model, request_close):
    path, _ = model
    assert_greedy_matches_llama_cpp(path, "Once upon a time, in a small village by the sea,",
                                    request_close, tokens=40)
