"""engine.safe_files: regular files only, bounded, no symlink out of the folder; safetensors checked by hand."""

from __future__ import annotations

import json
import os
import struct

import pytest
import torch
from safetensors.torch import save as st_save

from engine.errors import CheckpointError
from engine.safe_files import DTYPES, decode_safetensors, read_json, read_regular, safetensors_header


def one_line(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text
    return text


def test_reads_a_regular_file(tmp_path):
    (tmp_path / "a").write_bytes(b"hello")
    assert bytes(read_regular(tmp_path / "a", root=tmp_path, max_bytes=10)) == b"hello"


def test_refuses_a_file_over_the_cap(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 11)
    with pytest.raises(CheckpointError, match="more than the 10") as exc:
        read_regular(tmp_path / "a", max_bytes=10)
    one_line(exc)


def test_refuses_a_size_other_than_recorded(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 8)
    with pytest.raises(CheckpointError, match="records 9"):
        read_regular(tmp_path / "a", max_bytes=100, expect_size=9)


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "config.json")  # opening it for reading would block until a writer comes
    with pytest.raises(CheckpointError, match="is a FIFO") as exc:
        read_regular(tmp_path / "config.json", root=tmp_path, max_bytes=100)
    one_line(exc)


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_a_symlink_to_a_device_is_refused(tmp_path, target):
    os.symlink(target, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError):  # leaves the folder, and is a device
        read_regular(tmp_path / "model.safetensors", root=tmp_path, max_bytes=100)
    with pytest.raises(CheckpointError, match="a device"):  # without a root: still not a regular file
        read_regular(tmp_path / "model.safetensors", max_bytes=100)


def test_a_symlink_leaving_the_folder_is_refused_one_inside_is_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    folder = tmp_path / "ckpt"
    folder.mkdir()
    os.symlink(outside, folder / "config.json")
    with pytest.raises(CheckpointError, match="leaves the checkpoint folder") as exc:
        read_regular(folder / "config.json", root=folder, max_bytes=100)
    one_line(exc)
    (folder / "real.json").write_text("{}")
    os.symlink("real.json", folder / "inside.json")
    assert bytes(read_regular(folder / "inside.json", root=folder, max_bytes=100)) == b"{}"


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(CheckpointError, match="a directory"):
        read_regular(tmp_path / "d", max_bytes=100)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "none", max_bytes=100)


def test_deep_json_nesting_is_one_line(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CheckpointError, match="nested") as exc:
        read_json(tmp_path / "deep.json", max_bytes=1 << 20, max_depth=64)
    one_line(exc)
    (tmp_path / "mid.json").write_text(json.dumps({"a": [[[[[[[[1]]]]]]]]}))
    with pytest.raises(CheckpointError, match="more than 5 levels"):
        read_json(tmp_path / "mid.json", max_bytes=1 << 20, max_depth=5)
    assert read_json(tmp_path / "mid.json", max_bytes=1 << 20, max_depth=64)["a"]


@pytest.mark.parametrize("dtype", list(DTYPES.values()))
def test_decoding_matches_safetensors(dtype):
    torch.manual_seed(0)
    tensors = {"a": (torch.randn(3, 4) * 10).to(dtype), "b": torch.zeros(0, 2, dtype=dtype), "c": torch.ones(5).to(dtype)}
    data = st_save(tensors)
    got = decode_safetensors(data, safetensors_header(data))
    assert set(got) == set(tensors)
    for name, t in tensors.items():
        assert got[name].dtype == t.dtype and got[name].shape == t.shape and torch.equal(got[name], t)


def _crafted(header: dict, body: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@pytest.mark.parametrize("header, body, match", [
    ({"w": {"dtype": "F32", "shape": [20000, 20000], "data_offsets": [0, 1_600_000_000]}}, b"\0" * 16, "does not fit"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}, b"\0" * 16, "does not fit"),
    ({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "invalid shape"),
    ({"w": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 8]}}, b"\0" * 8, "invalid shape"),
    ({"w": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "does not read"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "v": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}, b"\0" * 8, "share bytes"),
    ({"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4, "malformed"),
    ([1, 2], b"", "not a JSON object"),
])
def test_crafted_headers_are_refused_before_allocating(header, body, match):
    with pytest.raises(CheckpointError, match=match) as exc:
        safetensors_header(_crafted(header, body))
    one_line(exc)


def test_an_absurd_header_length_is_refused():
    with pytest.raises(CheckpointError, match="header length"):
        safetensors_header(struct.pack("<Q", 2**63) + b"{}")
    with pytest.raises(CheckpointError, match="shorter"):
        safetensors_header(b"\1\2")


def test_dtypes_and_non_finite_values_are_refused_by_name():
    data = st_save({"w": torch.tensor([1, 2], dtype=torch.int8)})
    with pytest.raises(CheckpointError, match="tensor w has dtype I8; this model expects F32"):
        decode_safetensors(data, safetensors_header(data), allowed={"F32"})
    data = st_save({"w": torch.tensor([1.0, float("nan")])})
    with pytest.raises(CheckpointError, match="NaN or infinite") as exc:
        decode_safetensors(data, safetensors_header(data), finite=True)
    one_line(exc)
    assert decode_safetensors(data, safetensors_header(data))["w"].isnan().any()  # only when asked
