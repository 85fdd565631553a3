"""HF checkpoints (config.json + safetensors) of Llama and Qwen2 with random weights,
written by transformers itself: the engine's logits against transformers' on Debian's
CPU torch, for float32, float16 and bfloat16 weights, sharded and tied variants; and
clear errors for broken checkpoints."""

import json
import subprocess

import numpy as np
import pytest
import torch
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

from fixture_models import MODEL_LOGITS

TOKENS = [1, 17, 33, 5, 90, 12, 64, 64, 7, 3, 41, 88, 2, 19]
SHAPE = dict(vocab_size=96, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
             rms_norm_eps=1e-5, initializer_range=0.15)


def save(tmp_path, model_class, config, dtype, shard):
    torch.manual_seed(0)
    model = model_class(config).eval()
    model.to(dtype).save_pretrained(tmp_path, safe_serialization=True,
                                    max_shard_size="60KB" if shard else "1GB")
    # The reference: transformers' own float32 forward over the stored (rounded) weights,
    # with the eager attention that applies every mask (sliding windows included).
    reference = model_class.from_pretrained(tmp_path, torch_dtype=torch.float32,
                                            attn_implementation="eager").eval()
    with torch.no_grad():
        return reference(torch.tensor([TOKENS])).logits[0].numpy()


def ours(tmp_path):
    done = subprocess.run([MODEL_LOGITS, tmp_path, tmp_path / "out", *map(str, TOKENS)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return np.fromfile(tmp_path / "out.incremental.f32", dtype=np.float32).reshape(len(TOKENS), -1)


@pytest.mark.parametrize("model_class, config_class, dtype, shard, tied", [
    (LlamaForCausalLM, LlamaConfig, torch.float32, True, False),
    (LlamaForCausalLM, LlamaConfig, torch.bfloat16, False, True),
    (Qwen2ForCausalLM, Qwen2Config, torch.float16, True, False),
], ids=["llama-f32-sharded", "llama-bf16-tied", "qwen2-f16-sharded"])
def test_logits_match_transformers(tmp_path, model_class, config_class, dtype, shard, tied):
    expected = save(tmp_path, model_class, config_class(**SHAPE, tie_word_embeddings=tied),
                    dtype, shard)
    assert (tmp_path / "model.safetensors.index.json").exists() == shard
    got = ours(tmp_path)
    # float32 math on the stored weights; the KV cache holds f16 (relative 5e-4).
    np.testing.assert_allclose(got, expected, atol=2e-2 * max(1.0, np.abs(expected).max() / 10),
                               rtol=0)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).mean() >= 0.9


@pytest.mark.parametrize("rope_scaling, max_positions", [
    ({"type": "linear", "factor": 2.0}, 128),
    ({"rope_type": "dynamic", "factor": 2.0}, 8),  # 14 tokens outgrow the 8 trained.
    ({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
      "original_max_position_embeddings": 16}, 128),
    ({"rope_type": "yarn", "factor": 4.0}, 32),
], ids=["linear", "dynamic", "llama3", "yarn"])
def test_rope_scaling_matches_transformers(tmp_path, rope_scaling, max_positions):
    config = LlamaConfig(**{**SHAPE, "max_position_embeddings": max_positions},
                         rope_scaling=rope_scaling, rope_theta=500.0)
    expected = save(tmp_path, LlamaForCausalLM, config, torch.float32, shard=False)
    ours(tmp_path)
    # transformers runs the whole sequence at once, so dynamic scaling uses its full
    # length for every position: compare with our one-call prefill.
    prefill = np.fromfile(tmp_path / "out.prefill.f32", dtype=np.float32)
    np.testing.assert_allclose(prefill, expected[-1], atol=2e-2, rtol=0)
    if rope_scaling.get("rope_type") != "dynamic":
        np.testing.assert_allclose(ours(tmp_path), expected, atol=2e-2, rtol=0)


def test_mistral_sliding_window_matches_transformers(tmp_path):
    config = MistralConfig(**SHAPE, sliding_window=5)  # 14 tokens: most see only 5.
    expected = save(tmp_path, MistralForCausalLM, config, torch.float32, shard=False)
    got = ours(tmp_path)
    np.testing.assert_allclose(got, expected, atol=2e-2, rtol=0)
    # Without the window the logits would differ: the check has teeth.
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "sliding_window": None}))
    assert np.abs(ours(tmp_path) - expected).max() > 0.1


def test_broken_checkpoints_name_the_problem(tmp_path):
    save(tmp_path, LlamaForCausalLM, LlamaConfig(**SHAPE), torch.float32, shard=False)
    config = json.loads((tmp_path / "config.json").read_text())

    def error(**changes):
        (tmp_path / "config.json").write_text(json.dumps({**config, **changes}))
        done = subprocess.run([MODEL_LOGITS, tmp_path, tmp_path / "out", "1"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        return done.stderr

    assert "architecture MambaForCausalLM is not supported" in error(
        architectures=["MambaForCausalLM"])
    assert "config.json: hidden_size is missing" in error(hidden_size=None)
    assert "num_key_value_heads does not divide" in error(num_key_value_heads=3)
    assert "tensor model.embed_tokens.weight has shape [96, 64], expected [96, 32]" in error(
        hidden_size=32)
    assert "rope_scaling type 'longrope' is not supported" in error(
        rope_scaling={"rope_type": "longrope", "factor": 2.0})


def test_missing_shard_tensor_is_named(tmp_path):
    save(tmp_path, LlamaForCausalLM, LlamaConfig(**SHAPE), torch.float32, shard=True)
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    del index["weight_map"]["model.layers.1.mlp.down_proj.weight"]
    # Rewrite the shard without that tensor, as a broken upload would have it.
    from safetensors.numpy import load_file, save_file
    shard = next(p for p in tmp_path.glob("model-*.safetensors")
                 if "model.layers.1.mlp.down_proj.weight" in load_file(p))
    tensors = load_file(shard)
    del tensors["model.layers.1.mlp.down_proj.weight"]
    save_file(tensors, shard)
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    done = subprocess.run([MODEL_LOGITS, tmp_path, tmp_path / "out", "1"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "tensor model.layers.1.mlp.down_proj.weight is missing" in done.stderr


def test_generate_cli_on_an_hf_checkpoint_matches_transformers(tmp_path):
    """The CLI reads tokenizer.json and the safetensors weights; its greedy tokens follow
    transformers' generate until the first near-tie (both within 0.5 logits)."""
    import sys
    from transformers import PreTrainedTokenizerFast

    from conftest import BIN_DIR, ROOT
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    from make_gguf_llama import train_byte_level

    hf_tokenizer = PreTrainedTokenizerFast(tokenizer_object=train_byte_level("llama-bpe"),
                                           bos_token="<|begin_of_text|>",
                                           eos_token="<|end_of_text|>")
    hf_tokenizer.save_pretrained(tmp_path)
    config = LlamaConfig(**{**SHAPE, "vocab_size": len(hf_tokenizer)},
                         bos_token_id=hf_tokenizer.bos_token_id,
                         eos_token_id=hf_tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(tmp_path, safe_serialization=True)

    prompt = "Once upon a time, 12 fish"
    ids = hf_tokenizer(prompt, add_special_tokens=False).input_ids
    with torch.no_grad():
        theirs = model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False,
                                min_new_tokens=12, pad_token_id=0)[0, len(ids):].tolist()
    done = subprocess.run([BIN_DIR / "engine" / "generate", f"--model={tmp_path}",
                           f"--prompt={prompt}", "--max_tokens=12", "--token_ids",
                           "--ignore_eos"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ours = [int(t) for t in done.stdout.split()]
    if ours != theirs:
        step = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
        with torch.no_grad():
            logits = model(torch.tensor([ids + ours[:step]])).logits[0, -1]
        assert abs(float(logits[ours[step]] - logits[theirs[step]])) < 0.5, step
