"""The engine's decoding of every supported GGUF weight type against gguf-py's
reference dequantizer, on random blocks and on the default model's own tensors."""

import subprocess

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q
from gguf import GGUFReader, GGUFWriter, quants

from conftest import BIN_DIR, default_model_path

TOOL = BIN_DIR / "tests" / "tools" / "dump_tensors"

# Byte offsets of the f16 scale fields in each block (ggml-common.h).
F16_FIELDS = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
}


def random_blocks(qtype, rows, cols, rng):
    """Random bytes with sane (finite, moderate) f16 scales."""
    block_elems, block_bytes = quants.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(rows * cols // block_elems, block_bytes), dtype=np.uint8)
    for offset in F16_FIELDS.get(qtype, []):
        scales = rng.uniform(-0.05, 0.05, size=blocks.shape[0]).astype(np.float16)
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, cols // block_elems * block_bytes)


def run_tool(path, out_dir, names=()):
    subprocess.run([TOOL, path, out_dir, *names], check=True, timeout=120)


@pytest.mark.parametrize("qtype", [Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0,
                                   Q.Q4_K, Q.Q5_K, Q.Q6_K])
def test_random_blocks_match_gguf_py(qtype, tmp_path):
    rng = np.random.default_rng(int(qtype))
    rows, cols = 3, 512
    if qtype == Q.F16:
        raw = rng.standard_normal((rows, cols)).astype(np.float16).view(np.uint8)
    elif qtype == Q.BF16:
        bits = (rng.standard_normal((rows, cols)).astype(np.float32).view(np.uint32) >> 16)
        raw = bits.astype(np.uint16).view(np.uint8)
    else:
        raw = random_blocks(qtype, rows, cols, rng)
    path = tmp_path / "blocks.gguf"
    writer = GGUFWriter(str(path), "llama")
    writer.add_tensor("w", raw, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    run_tool(path, tmp_path, ["w"])
    ours = np.fromfile(tmp_path / "w.f32", dtype=np.float32).reshape(rows, cols)
    tensor = GGUFReader(str(path)).tensors[0]
    reference = quants.dequantize(tensor.data, qtype).astype(np.float32).reshape(rows, cols)
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-7)


def test_default_model_tensors_match_gguf_py(tmp_path):
    model = default_model_path()
    reader = GGUFReader(str(model))
    picked = [t for t in reader.tensors if t.name in
              ("token_embd.weight", "blk.0.attn_q.weight", "blk.29.ffn_down.weight",
               "output_norm.weight")]
    assert {t.tensor_type for t in picked} == {Q.Q8_0, Q.Q4_1, Q.F32}
    run_tool(model, tmp_path, [t.name for t in picked])
    for t in picked:
        ours = np.fromfile(tmp_path / f"{t.name}.f32", dtype=np.float32)
        reference = quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-7, err_msg=t.name)
