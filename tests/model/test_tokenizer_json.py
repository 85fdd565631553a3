"""HF tokenizer.json files (byte-level with Llama-3's and Qwen2's pre-tokenizers, and
SentencePiece-style as Llama-2 checkpoints carry it): the engine's tokenization against
HF tokenizers reading the same file, on the test corpora."""

import pytest
from tokenizers import Tokenizer
from transformers import LlamaTokenizerFast

from fixture_models import corpus_lines, ours_tokenize
from make_gguf_llama import REGEXES, train_byte_level, train_sentencepiece


@pytest.fixture(scope="module", params=sorted(REGEXES))
def byte_level_dir(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(request.param)
    train_byte_level(request.param).save(str(directory / "tokenizer.json"))
    return directory


@pytest.fixture(scope="module")
def sentencepiece_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spm")
    train_sentencepiece(directory)
    # transformers' converter writes the Llama-2 layout: Prepend("▁") and Replace(" ", "▁")
    # normalizers over a byte-fallback BPE.
    LlamaTokenizerFast(vocab_file=str(directory / "spm.model"), legacy=True,
                       from_slow=True).save_pretrained(directory)
    return directory


def check_against_hf(directory):
    reference = Tokenizer.from_file(str(directory / "tokenizer.json"))
    texts = list(corpus_lines())
    for text, ours in zip(texts, ours_tokenize(directory, texts)):
        assert ours["ids"] == reference.encode(text, add_special_tokens=False).ids, text
        assert ours["decoded"] == text


def test_byte_level_tokenizer_json(byte_level_dir):
    check_against_hf(byte_level_dir)


def test_sentencepiece_style_tokenizer_json(sentencepiece_dir):
    check_against_hf(sentencepiece_dir)
