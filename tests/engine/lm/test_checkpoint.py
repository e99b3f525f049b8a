"""Checkpoint round trip and every refusal, each a one-line CheckpointError."""

from __future__ import annotations

import json

import pytest
import torch

from engine.checkpoint import FORMAT_VERSION, read_checkpoint, write_checkpoint
from engine.errors import CheckpointError
from engine.lm import default_checkpoint, load_language_model, save_language_model

from .test_model import tiny_model


def model_file(path):
    """The model tensor file a version-2 checkpoint's manifest names."""
    return path / json.loads((path / "config.json").read_text())["files"]["model"]["name"]


@pytest.fixture
def saved(tmp_path):
    model = tiny_model("lstm-peephole", input="embedding", layers=2)
    path = save_language_model(model, tmp_path / "ckpt")
    return model, path


def test_round_trip_gives_the_same_model(saved):
    model, path = saved
    loaded = load_language_model(path)
    assert loaded.vocab == model.vocab and loaded.model_config == model.model_config
    assert loaded.cell_kind == "lstm-peephole"
    y = torch.tensor([[3, 4, 5, 0]])
    assert torch.equal(model(y)[0], loaded(y)[0])
    assert sorted(p.name for p in path.iterdir()) == ["config.json", model_file(path).name]  # no temporary files left
    assert model_file(path).name.startswith("model-")


def test_no_pickle_in_the_tensor_file(saved):
    _, path = saved
    data = model_file(path).read_bytes()
    assert b"\x80\x02" not in data[:16] and data[8:9] == b"{"  # safetensors: u64 header length, then JSON


def _one_line(exc):
    assert "\n" not in str(exc.value)


def edit_config(path, fn):
    meta = json.loads((path / "config.json").read_text())
    fn(meta)
    (path / "config.json").write_text(json.dumps(meta))


def test_refuses_another_format_version(saved):
    _, path = saved
    edit_config(path, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match=f"format version {FORMAT_VERSION + 1}") as exc:
        load_language_model(path)
    _one_line(exc)


def test_refuses_another_model_kind(tmp_path):
    write_checkpoint(tmp_path / "w2v", model_kind="word2vec", config={}, tensors={"x": torch.zeros(2)})
    with pytest.raises(CheckpointError, match="holds a 'word2vec' model") as exc:
        load_language_model(tmp_path / "w2v")
    _one_line(exc)


def test_refuses_a_truncated_tensor_file(saved):
    _, path = saved
    f = model_file(path)
    f.write_bytes(f.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated") as exc:
        load_language_model(path)
    _one_line(exc)


def test_refuses_a_truncated_file_even_without_checksum(saved):
    _, path = saved
    f = model_file(path)
    edit_config(path, lambda m: m["files"]["model"].update(sha256="0" * 64, bytes=f.stat().st_size - 100))
    f.write_bytes(f.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="checksum") as exc:
        load_language_model(path)
    _one_line(exc)


def test_refuses_shape_mismatch(saved):
    _, path = saved

    def grow(meta):
        meta["config"]["model"]["hidden"] = 7

    edit_config(path, grow)
    with pytest.raises(CheckpointError, match="has shape") as exc:
        load_language_model(path)
    _one_line(exc)


@pytest.mark.parametrize("what", ["missing", "file", "no-config", "bad-json"])
def test_refuses_things_that_are_not_checkpoints(tmp_path, what):
    path = tmp_path / "x"
    if what == "file":
        path.write_text("hello")
    elif what == "no-config":
        path.mkdir()
    elif what == "bad-json":
        path.mkdir()
        (path / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError) as exc:
        load_language_model(path)
    _one_line(exc)


def test_read_checkpoint_returns_config(saved):
    _, path = saved
    data = read_checkpoint(path, model_kind="language-model")
    assert data.config["model"]["cell"] == "lstm-peephole"
    assert data.meta["vocab"]["level"] == "char"


def test_bundled_checkpoints_load_and_sample():
    from engine.lm import BUNDLED_CHECKPOINTS, sample

    for name in BUNDLED_CHECKPOINTS:
        model = load_language_model(default_checkpoint(name))
        assert sample(model, n=2, max_len=20, seed=0)
    dinos = load_language_model(default_checkpoint("dinos-lstm"))
    # the lines it was trained on: the corpus split again with the checkpoint's seed and fraction
    from engine.corpora import resolve_corpus
    from engine.text import encode_corpus, read_lines

    lines = list(read_lines(resolve_corpus("dinos").path, "utf-8", dinos.config["case_mode"]))
    corpus = encode_corpus(lines, dinos.vocab, val_fraction=dinos.config["val_fraction"],
                           split_seed=dinos.config["split_seed"])
    assert dinos.known_lines == corpus.known_lines
    assert 0.8 * len(set(lines)) < len(dinos.known_lines) < 0.95 * len(set(lines))  # about 90 %


def test_an_interrupted_save_leaves_the_previous_checkpoint(saved, monkeypatch):
    import engine.atomic_files as atomic

    model, path = saved
    before = model_file(path).read_bytes()
    listing = sorted(p.name for p in path.iterdir())
    real = atomic.write_tmp

    def crash_on_config(target, data):
        if target.name == "config.json":
            raise KeyboardInterrupt  # Ctrl+C while the new files are being written
        return real(target, data)

    monkeypatch.setattr(atomic, "write_tmp", crash_on_config)
    with torch.no_grad():
        model.head.bias.add_(1.0)
    with pytest.raises(KeyboardInterrupt):
        save_language_model(model, path)
    monkeypatch.undo()
    assert model_file(path).read_bytes() == before
    assert load_language_model(path)
    assert sorted(p.name for p in path.iterdir()) == listing  # temporary and new tensor files removed
