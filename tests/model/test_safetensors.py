"""The engine's safetensors reader against files written by the safetensors library
(single and sharded checkpoints, f32/f16/bf16), and its errors on broken files."""

import json
import subprocess

import numpy as np
import pytest
from safetensors.numpy import save_file

from conftest import BIN_DIR

TOOL = BIN_DIR / "tests" / "tools" / "dump_tensors"


def bf16_bits(values):
    """Truncation to bfloat16 bits (as torch stores them, round-to-nearest-even)."""
    bits = values.astype(np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


def dump(path, out_dir):
    return subprocess.run([TOOL, path, out_dir], capture_output=True, text=True, errors="replace",
                          timeout=60)


def test_single_file_all_dtypes(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "model.embed_tokens.weight": rng.standard_normal((7, 32)).astype(np.float32),
        "model.layers.0.mlp.up_proj.weight": rng.standard_normal((5, 16)).astype(np.float16),
        "model.norm.weight": rng.standard_normal(16).astype(np.float32),
    }
    # safetensors has no numpy bfloat16; write the raw bits under the BF16 dtype below.
    bf16 = rng.standard_normal((3, 8)).astype(np.float32)
    save_file(tensors, tmp_path / "plain.safetensors", metadata={"format": "pt"})
    raw = (tmp_path / "plain.safetensors").read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_len])
    data = raw[8 + header_len:]
    header["bf16.weight"] = {"dtype": "BF16", "shape": [3, 8],
                             "data_offsets": [len(data), len(data) + 48]}
    new_header = json.dumps(header).encode()
    (tmp_path / "model.safetensors").write_bytes(
        len(new_header).to_bytes(8, "little") + new_header + data + bf16_bits(bf16).tobytes())

    result = dump(tmp_path / "model.safetensors", tmp_path)
    assert result.returncode == 0, result.stderr
    for name, values in tensors.items():
        ours = np.fromfile(tmp_path / f"{name}.f32", dtype=np.float32)
        np.testing.assert_array_equal(ours, values.astype(np.float32).reshape(-1))
    ours = np.fromfile(tmp_path / "bf16.weight.f32", dtype=np.float32)
    expected = (bf16_bits(bf16).astype(np.uint32) << 16).view(np.float32).reshape(-1)
    np.testing.assert_array_equal(ours, expected)


def test_sharded_checkpoint(tmp_path):
    rng = np.random.default_rng(1)
    shards = {
        "model-00001-of-00002.safetensors": {"a.weight": rng.standard_normal((4, 4)).astype(np.float32)},
        "model-00002-of-00002.safetensors": {"b.weight": rng.standard_normal((2, 8)).astype(np.float32)},
    }
    weight_map = {}
    for shard, tensors in shards.items():
        save_file(tensors, tmp_path / shard)
        weight_map.update({name: shard for name in tensors})
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 96}, "weight_map": weight_map}))
    out = tmp_path / "out"
    out.mkdir()
    result = dump(tmp_path, out)
    assert result.returncode == 0, result.stderr
    for tensors in shards.values():
        for name, values in tensors.items():
            np.testing.assert_array_equal(np.fromfile(out / f"{name}.f32", dtype=np.float32),
                                          values.reshape(-1))

    # An index that names a tensor its shard lacks is an error naming both.
    weight_map["c.weight"] = "model-00001-of-00002.safetensors"
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    result = dump(tmp_path, out)
    assert result.returncode != 0
    assert "tensor c.weight is not in its shard model-00001-of-00002.safetensors" in result.stderr


def test_broken_files_give_errors_naming_the_file(tmp_path):
    save_file({"w": np.ones((8, 8), dtype=np.float32)}, tmp_path / "good.safetensors")
    good = (tmp_path / "good.safetensors").read_bytes()
    rng = np.random.default_rng(2)
    cases = [good[:n] for n in range(0, len(good), 7)]
    for _ in range(200):
        garbled = bytearray(good)
        garbled[rng.integers(len(good))] ^= int(rng.integers(1, 256))
        cases.append(bytes(garbled))
    unsupported = good.replace(b'"F32"', b'"I64"')
    cases.append(unsupported)
    failures = 0
    for i, case in enumerate(cases):
        path = tmp_path / f"case{i}.safetensors"
        path.write_bytes(case)
        result = dump(path, tmp_path)
        assert result.returncode in (0, 1), (i, result.returncode, result.stderr)  # No crash.
        if result.returncode == 1:
            failures += 1
            assert f"case{i}.safetensors" in result.stderr
    assert failures > len(good) // 7  # Every truncation, at least, is rejected.
    assert "dtype I64, which this engine does not support" in dump(
        tmp_path / f"case{len(cases) - 1}.safetensors", tmp_path).stderr
