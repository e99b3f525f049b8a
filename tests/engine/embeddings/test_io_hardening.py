"""Word-vector files a user may have crafted: absurd headers, pipes, devices, torn or poisoned saves."""

from __future__ import annotations

import errno
import json
import os
import struct
import sys

import numpy as np
import pytest

from engine.embeddings.io import load_vectors, save_vectors
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError
from tests._bounded import run_bounded


@pytest.fixture()
def wv():
    rng = np.random.default_rng(3)
    return WordVectors(["the", "king", "queen"], rng.normal(size=(3, 4)).astype(np.float32), counts=np.array([9, 5, 2]),
                       name="tiny")


def one_line(exc_info) -> str:
    assert "\n" not in str(exc_info.value)
    return str(exc_info.value)


@pytest.mark.parametrize("content, match", [
    (b"999999999 300\nthe " + b"\0" * 1200 + b"\n", "promises 999,999,999 words of dimension 300"),
    (b"2 1000000000\nthe " + b"\0" * 16, "dimension 1,000,000,000"),
    (b"0 3\n", "promises 0 words"),
])
def test_an_absurd_binary_header_is_refused_before_allocating(tmp_path, content, match):
    path = tmp_path / "v.bin"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as exc:
        load_vectors(str(path))
    one_line(exc)


def test_an_absurd_header_costs_no_memory(tmp_path):
    """In a child under a 300 MB data limit: 10⁹ × 300 float32 would be 1.2 TB."""
    (tmp_path / "v.bin").write_bytes(b"1000000000 300\nthe " + b"\0" * 1200 + b"\n")
    (tmp_path / "v.txt").write_text("1000000000 300\nthe " + " ".join(["0.5"] * 300) + "\n")
    code = ("import sys\nfrom engine.embeddings.io import load_vectors\nfrom engine.errors import InputError\n"
            "for p in sys.argv[1:]:\n    try:\n        load_vectors(p)\n    except InputError as e:\n        print(e)\n")
    r = run_bounded([sys.executable, "-c", code, str(tmp_path / "v.bin"), str(tmp_path / "v.txt")], data_limit=300 << 20)
    assert r.rc == 0, r.err
    assert "promises 1,000,000,000 words" in r.out and "promises 1000000000 words but the file has 1" in r.out
    assert r.peak_rss < 200 << 20


def test_pipes_and_devices_are_refused_not_read(tmp_path):
    os.mkfifo(tmp_path / "v.txt")
    with pytest.raises(InputError, match="not a regular file"):
        load_vectors(str(tmp_path / "v.txt"))
    os.symlink("/dev/zero", tmp_path / "z.bin")
    with pytest.raises(InputError, match="not a regular file"):
        load_vectors(str(tmp_path / "z.bin"))


def test_a_project_save_leaves_no_temporary_file_and_records_its_checksum(wv, tmp_path):
    out = save_vectors(wv, str(tmp_path / "run"))
    assert sorted(os.listdir(out)) == ["vectors.safetensors", "vocab.json"]
    assert len(json.loads((tmp_path / "run" / "vocab.json").read_text())["vectors_sha256"]) == 64


def test_a_torn_project_save_is_detected(wv, tmp_path):
    out = tmp_path / "run"
    save_vectors(wv, str(out))
    old_vocab = (out / "vocab.json").read_bytes()
    other = WordVectors(["a", "b", "c"], np.ones((3, 4), np.float32), name="other")
    save_vectors(other, str(out))
    (out / "vocab.json").write_bytes(old_vocab)  # a crash between the two renames: new vectors, old words
    with pytest.raises(InputError, match="does not match the checksum") as exc:
        load_vectors(str(out))
    one_line(exc)


def test_a_full_disk_during_a_project_save_is_one_line(wv, tmp_path, monkeypatch):
    import engine.atomic_files as atomic

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "write_tmp", full)
    with pytest.raises(InputError, match="No space left on device") as exc:
        save_vectors(wv, str(tmp_path / "run"))
    one_line(exc)


def _poison(out, tensors):
    from safetensors.numpy import save_file

    save_file(tensors, str(out / "vectors.safetensors"))
    vocab = json.loads((out / "vocab.json").read_text())
    vocab.pop("vectors_sha256")  # as an older save would have it: the content check is what refuses
    (out / "vocab.json").write_text(json.dumps(vocab))


@pytest.mark.parametrize("tensors, match", [
    ({"vectors": np.ones((3, 4), np.int8)}, "dtype I8"),
    ({"vectors": np.full((3, 4), np.nan, np.float32)}, "NaN or infinite"),
    ({"vectors": np.ones((5, 4), np.float32)}, "3 words but vectors of shape"),
    ({"vectors": np.ones((3, 4), np.float32), "counts": np.ones(7, np.int64)}, "counts of shape"),
])
def test_poisoned_project_vectors_are_refused(wv, tmp_path, tensors, match):
    out = tmp_path / "run"
    save_vectors(wv, str(out))
    _poison(out, tensors)
    with pytest.raises(InputError, match=match) as exc:
        load_vectors(str(out))
    one_line(exc)


def test_project_files_that_are_links_out_or_deep_json_are_refused(wv, tmp_path):
    out = tmp_path / "run"
    save_vectors(wv, str(out))
    (out / "vectors.safetensors").unlink()
    os.symlink("/dev/zero", out / "vectors.safetensors")
    with pytest.raises(InputError, match="leaves the checkpoint folder"):
        load_vectors(str(out))
    save_vectors(wv, str(tmp_path / "run2"))
    (tmp_path / "run2" / "vocab.json").write_text("[" * 50_000 + "]" * 50_000)
    with pytest.raises(InputError, match="nested too deeply"):
        load_vectors(str(tmp_path / "run2"))


def test_half_precision_project_vectors_load(wv, tmp_path):
    out = tmp_path / "run"
    save_vectors(wv, str(out))
    _poison(out, {"vectors": wv.vectors.astype(np.float16)})
    assert load_vectors(str(out)).vectors.dtype == np.float32


def test_binary_round_trip_through_the_memory_map(wv, tmp_path):
    path = tmp_path / "v.bin"
    save_vectors(wv, str(path), format="word2vec-binary")
    back = load_vectors(str(path))
    assert back.words == wv.words and np.array_equal(back.vectors, wv.vectors)
    data = path.read_bytes()
    assert data.startswith(b"3 4\n") and struct.unpack("<4f", data[8:24]) == tuple(float(x) for x in wv.vectors[0])
