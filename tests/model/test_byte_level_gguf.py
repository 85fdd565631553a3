"""GGUFs with byte-level BPE vocabularies: a Llama model with Llama-3's pre-tokenizer
and a Qwen2 model (q/k/v biases, half-split rotary) with Qwen2's, random float32
weights (tests/fixtures/make_gguf_llama.py): tokenization against HF tokenizers and
llama.cpp, logits against the float64 reference, greedy generation against llama.cpp."""


import numpy as np
import pytest
from llama_cpp import Llama

from fixture_models import corpus_lines, ours_logits, ours_tokenize, request_close  # noqa: F401
from greedy import assert_greedy_matches_llama_cpp
from make_gguf_llama import REGEXES, make_byte_level
from reference.numpy_llama import NumpyLlama


@pytest.fixture(scope="module", params=sorted(REGEXES))
def byte_level_model(request, tmp_path_factory):
    return make_byte_level(tmp_path_factory.mktemp(request.param), request.param)


def test_tokenization_matches_hf_tokenizers_and_llama_cpp(byte_level_model, request_close):
    path, tokenizer = byte_level_model
    llama = Llama(str(path), vocab_only=True, verbose=False)
    request_close(llama)
    texts = list(corpus_lines())
    for text, ours in zip(texts, ours_tokenize(path, texts)):
        assert ours["ids"] == tokenizer.encode(text, add_special_tokens=False).ids, text
        assert ours["ids"] == llama.tokenize(text.encode(), add_bos=False, special=True), text
        assert ours["decoded"] == text


def test_greedy_matches_llama_cpp(byte_level_model, request_close):
    path, _ = byte_level_model
    assert_greedy_matches_llama_cpp(path, "Once upon a time, 12345 fish", request_close)


def test_logits_match_float64_reference(byte_level_model, tmp_path):
    path, tokenizer = byte_level_model
    tokens = tokenizer.encode("Once upon a time, in a small village, 2024 fish").ids
    ours = ours_logits(path, tokens, tmp_path / "out")
    expected = NumpyLlama(path).logits(tokens)
    # float32 math with an f16 KV cache, as for the SentencePiece fixture.
    np.testing.assert_allclose(ours, expected, atol=1e-2, rtol=0)
