"""An independent Llama forward pass in NumPy over weights decoded by gguf-py: the
reference our engine's logits are checked against for GGUF llama models.

Written from the model definition (HF LlamaModel) rather than from our C++: float64
math, GGUF's adjacent-pair RoPE (llama.cpp's "NORM" mode, FORMATS.md §3.4)."""

import numpy as np
from gguf import GGUFReader, quants


class NumpyLlama:
    def __init__(self, path):
        reader = GGUFReader(str(path))
        fields = reader.fields

        def scalar(key, default=None):
            if key not in fields:
                return default
            field = fields[key]
            return field.parts[field.data[0]][0]

        self.hidden = int(scalar("llama.embedding_length"))
        self.layers = int(scalar("llama.block_count"))
        self.heads = int(scalar("llama.attention.head_count"))
        self.kv_heads = int(scalar("llama.attention.head_count_kv", self.heads))
        self.head_dim = self.hidden // self.heads
        self.eps = float(scalar("llama.attention.layer_norm_rms_epsilon"))
        self.theta = float(scalar("llama.rope.freq_base", 10000.0))
        self.w = {}
        for t in reader.tensors:
            values = quants.dequantize(t.data, t.tensor_type).astype(np.float64)
            self.w[t.name] = values.reshape([int(d) for d in reversed(t.shape)])
        self.lm_head = self.w.get("output.weight", self.w["token_embd.weight"])

    def rms_norm(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions):
        # x: [tokens, heads, head_dim]; rotate pairs (x[2i], x[2i+1]).
        i = np.arange(self.head_dim // 2)
        inv_freq = self.theta ** (-2.0 * i / self.head_dim)
        angles = positions[:, None] * inv_freq[None, :]
        cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
        even, odd = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = even * sin + odd * cos
        return out

    def logits(self, tokens):
        """Logits [len(tokens), vocab] for every position of `tokens` (causal)."""
        n = len(tokens)
        positions = np.arange(n, dtype=np.float64)
        x = self.w["token_embd.weight"][tokens]
        group = self.heads // self.kv_heads
        mask = np.triu(np.full((n, n), -np.inf), k=1)
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.rms_norm(x, self.w[p + "attn_norm.weight"])
            q = (h @ self.w[p + "attn_q.weight"].T).reshape(n, self.heads, self.head_dim)
            k = (h @ self.w[p + "attn_k.weight"].T).reshape(n, self.kv_heads, self.head_dim)
            v = (h @ self.w[p + "attn_v.weight"].T).reshape(n, self.kv_heads, self.head_dim)
            q, k = self.rope(q, positions), self.rope(k, positions)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            scores = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(self.head_dim) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            attn = np.einsum("hqk,khd->qhd", scores, v).reshape(n, -1)
            x = x + attn @ self.w[p + "attn_output.weight"].T
            h = self.rms_norm(x, self.w[p + "ffn_norm.weight"])
            gate = h @ self.w[p + "ffn_gate.weight"].T
            up = h @ self.w[p + "ffn_up.weight"].T
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ self.w[p + "ffn_down.weight"].T
        return self.rms_norm(x, self.w["output_norm.weight"]) @ self.lm_head.T
