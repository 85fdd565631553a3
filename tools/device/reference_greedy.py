#!/usr/bin/env python3
"""Greedy tokens of a Llama-family GGUF model from transformers in f32: the independent
reference the GPU checks hold both of our backends to. The weights are dequantized with
the gguf package (any type it reads) and the Q/K rows put back in Hugging Face's order,
so the reference needs no GGUF support from transformers itself.

  reference_greedy.py MODEL.gguf TOKENS PROMPT...
  reference_greedy.py --chat MODEL.gguf TOKENS MESSAGE...
Prints one line per prompt: the prompt's TOKENS greedy token ids, space-separated (the
prompt tokenized without special tokens, as the engine does when the model asks for no
BOS). With --chat, each message is a user's chat turn rendered with the model's own chat
template, the answer stops at end-of-sequence as a served one does, and the line is its
text as a JSON string. Runs on the GPU when torch sees one.
"""

import json
import os
import sys

import gguf
import numpy as np
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM


def field(reader, key, default=None):
    if key not in reader.fields:
        return default
    f = reader.fields[key]
    value = f.parts[f.data[0]]
    return bytes(value).decode() if f.types[0] == gguf.GGUFValueType.STRING else value[0].item()


def unpermute(w, heads):
    """llama.cpp's converter interleaves each head's rotary halves; undo it."""
    return w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def load(path):
    reader = gguf.GGUFReader(path)
    arch = field(reader, "general.architecture")
    tensors = {t.name: gguf.quants.dequantize(t.data, t.tensor_type).reshape(
        [int(d) for d in reversed(t.shape)]).astype(np.float32) for t in reader.tensors}
    heads = field(reader, f"{arch}.attention.head_count")
    kv_heads = field(reader, f"{arch}.attention.head_count_kv", heads)
    config = LlamaConfig(
        vocab_size=tensors["token_embd.weight"].shape[0],
        hidden_size=field(reader, f"{arch}.embedding_length"),
        intermediate_size=field(reader, f"{arch}.feed_forward_length"),
        num_hidden_layers=field(reader, f"{arch}.block_count"),
        num_attention_heads=heads, num_key_value_heads=kv_heads,
        max_position_embeddings=field(reader, f"{arch}.context_length"),
        rms_norm_eps=field(reader, f"{arch}.attention.layer_norm_rms_epsilon"),
        rope_theta=field(reader, f"{arch}.rope.freq_base", 10000.0),
        tie_word_embeddings="output.weight" not in tensors)
    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
             "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
             "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}
    state = {"model.embed_tokens.weight": tensors["token_embd.weight"],
             "model.norm.weight": tensors["output_norm.weight"],
             "lm_head.weight": tensors.get("output.weight", tensors["token_embd.weight"])}
    for name, w in tensors.items():
        parts = name.split(".")
        if parts[0] != "blk":
            continue
        if parts[2] == "attn_q":
            w = unpermute(w, heads)
        elif parts[2] == "attn_k":
            w = unpermute(w, kv_heads)
        state[f"model.layers.{parts[1]}.{names[parts[2]]}.weight"] = w
    model = LlamaForCausalLM(config)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    return reader, model.eval()


def main():
    chat = sys.argv[1] == "--chat"
    args = sys.argv[2:] if chat else sys.argv[1:]
    path, count, prompts = args[0], int(args[1]), args[2:]
    tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(path)),
                                              gguf_file=os.path.basename(path))
    reader, model = load(path)
    add_bos = bool(field(reader, "tokenizer.ggml.add_bos_token", False))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    for prompt in prompts:
        if chat:
            # Rendered to text and then tokenized, as the gateway and engine do (and since
            # tokenize=True returns an Encoding, not ids, in newer transformers).
            text = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], add_generation_prompt=True,
                tokenize=False, chat_template=field(reader, "tokenizer.chat_template"))
            ids = tokenizer(text, add_special_tokens=add_bos)["input_ids"]
            limits = {"eos_token_id": field(reader, "tokenizer.ggml.eos_token_id")}
        else:
            ids = tokenizer(prompt, add_special_tokens=add_bos)["input_ids"]
            limits = {"min_new_tokens": count}
        with torch.no_grad():
            out = model.generate(torch.tensor([ids], device=device), max_new_tokens=count,
                                 do_sample=False, pad_token_id=0, **limits)
        new = out[0, len(ids):].tolist()
        if chat:
            print(json.dumps(tokenizer.decode(new, skip_special_tokens=True)), flush=True)
        else:
            print(" ".join(str(t) for t in new), flush=True)


if __name__ == "__main__":
    main()
