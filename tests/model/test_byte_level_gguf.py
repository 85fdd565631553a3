"""Llama GGUFs with byte-level BPE vocabularies using Llama-3's and Qwen2's
pre-tokenizers (random float32 weights, from tests/fixtures/make_gguf_llama.py):
tokenization against HF tokenizers and llama.cpp, greedy generation against llama.cpp."""

import pytest
from llama_cpp import Llama

from fixture_models import corpus_lines, ours_tokenize, request_close  # noqa: F401
from greedy import assert_same_or_near_tie, llama_cpp_greedy, ours_greedy
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
    llama = Llama(str(path), n_ctx=128, logits_all=True, verbose=False)
    request_close(llama)
    prompt = "Once upon a time, 12345 fish"
    prompt_ids = llama.tokenize(prompt.encode(), add_bos=True, special=True)
    ours = ours_greedy(path, prompt, 24)
    theirs = llama_cpp_greedy(llama, prompt_ids, 24)
    assert_same_or_near_tie(ours, theirs, prompt_ids, llama, NumpyLlama(path))
