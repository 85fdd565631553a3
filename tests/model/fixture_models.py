"""Helpers shared by the tests of generated GGUF fixtures (tests/fixtures)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import BIN_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

TOKENIZE = BIN_DIR / "tests" / "tools" / "tokenize_text"
MODEL_LOGITS = BIN_DIR / "tests" / "tools" / "model_logits"
CORPORA = [ROOT / "tests" / "fixtures" / "corpus.txt",
           ROOT / "tests" / "model" / "data" / "tokenizer_corpus.txt"]


def corpus_lines():
    """Every line of the corpora, with \\n, \\t, \\r written as escapes turned real."""
    for corpus in CORPORA:
        for line in corpus.read_text(encoding="utf-8").splitlines():
            yield line.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def ours_logits(model, tokens, out, env=None):
    """The engine's logits after each of `tokens`, fed one at a time through the KV cache
    ([len(tokens), vocab]); `out` names the helper's output files."""
    subprocess.run([MODEL_LOGITS, model, out, *map(str, tokens)], check=True, timeout=60,
                   env=env)
    return np.fromfile(f"{out}.incremental.f32", dtype=np.float32).reshape(len(tokens), -1)


def ours_tokenize(model, texts):
    """The engine's ids and round-trip text for each of `texts`."""
    done = subprocess.run([TOKENIZE, model], check=True, capture_output=True, text=True,
                          input="".join(json.dumps(t) + "\n" for t in texts), timeout=60)
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
def request_close():
    """Closes llama.cpp objects at the end of the test, not at interpreter exit (where
    freeing them can crash the process)."""
    opened = []
    yield opened.append
    for llama in opened:
        llama.close()
