"""An independent Llama-family forward pass in NumPy over weights decoded by gguf-py:
the reference our engine's logits are checked against for GGUF llama and qwen2 models.

Written from the model definitions (HF LlamaModel, Qwen2Model) rather than from our
C++: float64 math; GGUF llama rotates adjacent pairs (llama.cpp's "NORM" mode), qwen2
the two halves of each head (HF's rotate_half, "NEOX"), FORMATS.md §3.4; qwen2 adds
q/k/v biases."""

import numpy as np
from gguf import GGUFReader, quants


class NumpyLlama:
    def __init__(self, path):
        reader = GGUFReader(str(path))
        fields = reader.fields

        arch_field = fields["general.architecture"]
        self.arch = bytes(arch_field.parts[arch_field.data[0]]).decode()

        def scalar(key, default=None):
            key = f"{self.arch}.{key}"
            if key not in fields:
                return default
            field = fields[key]
            return field.parts[field.data[0]][0]

        self.hidden = int(scalar("embedding_length"))
        self.layers = int(scalar("block_count"))
        self.heads = int(scalar("attention.head_count"))
        self.kv_heads = int(scalar("attention.head_count_kv", self.heads))
        self.head_dim = self.hidden // self.heads
        self.eps = float(scalar("attention.layer_norm_rms_epsilon"))
        self.theta = float(scalar("rope.freq_base", 10000.0))
        scaling = fields.get(f"{self.arch}.rope.scaling.type")
        self.yarn = None
        if scaling is not None and bytes(scaling.parts[scaling.data[0]]).decode() == "yarn":
            self.yarn = (float(scalar("rope.scaling.factor")),
                         float(scalar("rope.scaling.original_context_length")))
        self.w = {}
        for t in reader.tensors:
            values = quants.dequantize(t.data, t.tensor_type).astype(np.float64)
            self.w[t.name] = values.reshape([int(d) for d in reversed(t.shape)])
        self.lm_head = self.w.get("output.weight", self.w["token_embd.weight"])

    def rms_norm(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions):
        # x: [tokens, heads, head_dim]; pair i is (x[2i], x[2i+1]) for llama, (x[i],
        # x[i + d/2]) for qwen2.
        half = self.head_dim // 2
        inv_freq = self.theta ** (-2.0 * np.arange(half) / self.head_dim)
        if "rope_freqs.weight" in self.w:  # llama.cpp's frequency factors (Llama 3.1).
            inv_freq = inv_freq / self.w["rope_freqs.weight"]
        mscale = 1.0
        if self.yarn is not None:
            # YaRN as the paper and llama.cpp define it: pairs that turn fewer than beta_slow
            # (1) times over the original context are interpolated (divided by the factor),
            # pairs that turn more than beta_fast (32) times keep their frequency, with a
            # linear ramp between; cos and sin are scaled by 0.1·ln(factor) + 1.
            factor, original = self.yarn

            def pair_turning(turns):
                return self.head_dim * np.log(original / (turns * 2 * np.pi)) / (2 * np.log(self.theta))

            low = max(np.floor(pair_turning(32.0)), 0.0)
            high = min(np.ceil(pair_turning(1.0)), self.head_dim - 1.0)
            interpolated = np.clip((np.arange(half) - low) / max(high - low, 1e-3), 0.0, 1.0)
            inv_freq = inv_freq / factor * interpolated + inv_freq * (1 - interpolated)
            mscale = 0.1 * np.log(factor) + 1.0
        angles = positions[:, None] * inv_freq[None, :]
        cos, sin = mscale * np.cos(angles)[:, None, :], mscale * np.sin(angles)[:, None, :]
        if self.arch == "qwen2":
            first, second = slice(0, half), slice(half, None)
        else:
            first, second = slice(0, None, 2), slice(1, None, 2)
        a, b = x[..., first], x[..., second]
        out = np.empty_like(x)
        out[..., first] = a * cos - b * sin
        out[..., second] = a * sin + b * cos
        return out

    def project(self, h, name):
        y = h @ self.w[name + ".weight"].T
        return y + self.w[name + ".bias"] if name + ".bias" in self.w else y

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
            q = self.project(h, p + "attn_q").reshape(n, self.heads, self.head_dim)
            k = self.project(h, p + "attn_k").reshape(n, self.kv_heads, self.head_dim)
            v = self.project(h, p + "attn_v").reshape(n, self.kv_heads, self.head_dim)
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
