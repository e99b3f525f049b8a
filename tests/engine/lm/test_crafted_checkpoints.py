"""Crafted checkpoints (issue 12): each is refused with one line, before any model is built."""

from __future__ import annotations

import hashlib
import json
import os
import signal

import pytest
import torch
from safetensors.torch import save as st_save

from engine.errors import CheckpointError
from engine.lm import load_language_model, save_language_model
from engine.lm.model import LanguageModel

from .test_model import tiny_model


@pytest.fixture
def ckpt(tmp_path):
    return save_language_model(tiny_model("lstm"), tmp_path / "ckpt")


@pytest.fixture
def never_built(monkeypatch):
    """Fail the test if a (real, non-meta) model is built: refusals must come first."""
    real = LanguageModel.__init__

    def guarded(self, vocab, model_config, **kw):
        if torch.empty(0).device.type != "meta":
            raise AssertionError(f"a model was built for {model_config}")
        real(self, vocab, model_config, **kw)

    monkeypatch.setattr(LanguageModel, "__init__", guarded)


def meta(path):
    return json.loads((path / "config.json").read_text())


def write_meta(path, m):
    (path / "config.json").write_text(json.dumps(m))


def refused(path, match, **kw):
    with pytest.raises(CheckpointError, match=match) as exc:
        load_language_model(path, **kw)
    assert "\n" not in str(exc.value)
    return str(exc.value)


@pytest.mark.parametrize("field, value, match", [
    ("hidden", 20000, "hidden must be in 1..16,384, got 20,000"),
    ("layers", 1_000_000, "layers must be in 1..64, got 1,000,000"),
    ("vocab_size", 10**9, "vocab_size must be in 3..2,000,000"),
    ("hidden", 8000, "parameters .* more than the 250,000,000"),
    ("hidden", 4000, r"tensor rnn.weight_ih_l0 has shape \(24, 18\), the configuration needs \(16000, 18\)"),  # allowed size, but not the file's
    ("hidden", "50", "hidden must be an integer, got '50'"),
    ("hidden", True, "hidden must be an integer, got True"),
    ("layers", 1.5, "layers must be an integer"),
    ("cell", ["lstm"], "cell must be one of"),
    ("dropout", "nan", "dropout must be a number"),
    ("embedding_dim", None, "embedding_dim must be an integer"),
])
def test_sizes_and_types_in_config_json_are_checked_before_building(ckpt, never_built, field, value, match):
    m = meta(ckpt)
    m["config"]["model"][field] = value
    write_meta(ckpt, m)
    refused(ckpt, match)


@pytest.mark.parametrize("edit, match", [
    (lambda m: m.update(config=[1, 2]), "config is not a JSON object"),
    (lambda m: m["config"].update(model="lstm"), "model configuration must be a JSON object"),
    (lambda m: m["config"]["model"].pop("vocab_size"), "no vocab_size"),
    (lambda m: m["vocab"].update(tokens=[1, 2, 3]), "tokens must be a list of strings"),
    (lambda m: m["vocab"].update(counts="many"), "counts must be"),
    (lambda m: m["vocab"].update(level="byte"), "level must be one of"),
    (lambda m: m.update(vocab=None), "not an object"),
    (lambda m: m["config"].update(case_mode=3), r"case_mode = 3"),
    (lambda m: m["config"].update(split_seed="zero"), r"split_seed = 'zero'"),
    (lambda m: m["files"]["model"].update(name="../../etc/passwd"), "names its model file wrongly"),
    (lambda m: m["files"]["model"].update(bytes=-1), "names its model file wrongly"),
    (lambda m: m.update(files="x"), "malformed file list"),
    (lambda m: m.update(files={}), "names no model file"),
])
def test_odd_field_types_are_one_line(ckpt, never_built, edit, match):
    m = meta(ckpt)
    edit(m)
    write_meta(ckpt, m)
    refused(ckpt, match)


def test_deep_nesting_is_one_line(ckpt):
    (ckpt / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    refused(ckpt, "nested too deeply")
    m = meta_of_deep = {"format": "seq-explorer.checkpoint", "format_version": 2, "x": 1}
    for _ in range(100):
        meta_of_deep = {"x": meta_of_deep}
    write_meta(ckpt, meta_of_deep)
    refused(ckpt, "nested more than 64 levels")
    assert m


def _model_file(path):
    return path / meta(path)["files"]["model"]["name"]


@pytest.mark.parametrize("which", ["config", "model"])
def test_symlinks_to_dev_zero_are_refused_not_read(ckpt, which):
    target = ckpt / "config.json" if which == "config" else _model_file(ckpt)
    target.unlink()
    os.symlink("/dev/zero", target)
    refused(ckpt, "symlink that leaves the checkpoint folder")


def test_a_symlink_out_of_the_folder_is_refused(ckpt, tmp_path):
    other = save_language_model(tiny_model("lstm"), tmp_path / "other")
    f = _model_file(ckpt)
    f.unlink()
    os.symlink(_model_file(other), f)
    refused(ckpt, "leaves the checkpoint folder")


def test_a_fifo_as_config_json_does_not_hang(ckpt):
    (ckpt / "config.json").unlink()
    os.mkfifo(ckpt / "config.json")

    def hung(signum, frame):
        raise AssertionError("reading the FIFO blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        refused(ckpt, "is a FIFO")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _retensor(path, tensors):
    """Replace the model tensors, keeping the manifest consistent (so the checksum is not what refuses)."""
    m = meta(path)
    data = tensors if isinstance(tensors, bytes) else st_save(tensors)
    sha = hashlib.sha256(data).hexdigest()
    name = f"model-{sha[:16]}.safetensors"
    (path / name).write_bytes(data)
    m["files"]["model"] = {"name": name, "sha256": sha, "bytes": len(data)}
    write_meta(path, m)


@pytest.mark.parametrize("dtype, name", [(torch.int8, "I8"), (torch.bool, "BOOL"), (torch.uint8, "U8"), (torch.int64, "I64")])
def test_non_floating_weights_are_refused(ckpt, dtype, name):
    model = tiny_model("lstm")
    _retensor(ckpt, {k: v.to(dtype) for k, v in model.state_dict().items()})
    refused(ckpt, f"has dtype {name}; this model expects BF16, F16, F32, F64")


def test_half_precision_weights_load_as_float32(ckpt):
    model = tiny_model("lstm")
    _retensor(ckpt, {k: v.half() for k, v in model.state_dict().items()})
    loaded = load_language_model(ckpt)
    assert loaded.head.weight.dtype == torch.float32


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(ckpt, bad):
    state = {k: v.clone() for k, v in tiny_model("lstm").state_dict().items()}
    state["head.bias"][2] = bad
    _retensor(ckpt, state)
    refused(ckpt, "tensor head.bias holds NaN or infinite weights")


def test_a_huge_shape_in_the_tensor_header_is_refused_before_allocating(ckpt, never_built):
    header = json.dumps({"head.weight": {"dtype": "F32", "shape": [20000, 20000], "data_offsets": [0, 1_600_000_000]}}).encode()
    _retensor(ckpt, len(header).to_bytes(8, "little") + header + b"\0" * 64)
    refused(ckpt, "does not fit its byte range")


@pytest.mark.parametrize("tensors", [{"adam.t": torch.ones(3)}, {"rng.torch": torch.ones(5)}, {"adam.t": torch.tensor(float("nan"))}])
def test_a_crafted_training_state_is_refused_on_resume(tmp_path, tensors):
    import threading

    from engine.training import train

    from .conftest import make_names, tiny_config

    corpus = tmp_path / "names.txt"
    corpus.write_text("\n".join(make_names()) + "\n")
    out = tmp_path / "run"
    list(train(tiny_config(corpus, out=str(out), steps=4), threading.Event()))
    data = ck_read(out)
    state = dict(data.training_tensors, **tensors)
    from engine.checkpoint import write_checkpoint

    write_checkpoint(out, model_kind="language-model", config=data.meta["config"], tensors=data.tensors,
                     extra={"vocab": data.meta["vocab"]}, training=data.training, training_tensors=state)
    with pytest.raises(CheckpointError, match="training state|optimizer state") as exc:
        list(train(tiny_config(corpus, out=str(out), steps=6), threading.Event(), out))
    assert "\n" not in str(exc.value)


def ck_read(path):
    from engine.checkpoint import read_checkpoint

    return read_checkpoint(path, model_kind="language-model")
