"""A save is one atomic step: kill -9, Ctrl+C or a full disk at any step leaves the previous checkpoint
or the new one, whole; readers never see a mix; old (format 1) folders still load."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import threading

import pytest
import torch
from safetensors.torch import save as st_save

import engine.atomic_files as atomic
import engine.checkpoint as ck
from engine.checkpoint import read_checkpoint, remove_orphans, write_checkpoint
from engine.errors import CheckpointError, CheckpointWriteError
from engine.lm import load_language_model, save_language_model
from engine.run_lock import FolderLock

from .test_model import tiny_model

TRAINING = {"step": 1, "ema": 0.5, "optimizer": "adam"}


def _model(bias: float):
    model = tiny_model("lstm")
    with torch.no_grad():
        model.head.bias.fill_(bias)
    return model


def _save(model, path):
    return save_language_model(model, path, training=TRAINING, training_tensors={"adam.t": torch.tensor(1)})


def _bias(path) -> float:
    return float(load_language_model(path, which="last").head.bias.detach()[0])


def _steps(path) -> list[tuple[str, str]]:
    """The steps of one save with training state, in order, recorded by the test hook."""
    seen = []
    real = atomic.step
    atomic.step = lambda name, file: seen.append((name, file))
    try:
        _save(_model(9.0), path)
    finally:
        atomic.step = real
    return seen


def test_a_save_has_the_documented_steps(tmp_path):
    steps = _steps(tmp_path / "a")
    assert [name for name, _ in steps] == ["written", "renamed", "written", "renamed", "written", "renamed", "committed"]
    assert [f.split("-")[0] for _, f in steps[:4:2]] == ["model", "training"] and steps[4][1] == "config.json"


def test_kill_9_at_every_step_of_a_save_leaves_a_whole_checkpoint(tmp_path):
    n_steps = len(_steps(tmp_path / "probe"))
    for k in range(1, n_steps + 1):
        path = tmp_path / f"run{k}"
        _save(_model(1.0), path)
        pid = os.fork()
        if pid == 0:  # the child saves the new model and dies by SIGKILL at step k: no clean-up runs
            calls = []

            def die(name, file):
                calls.append(name)
                if len(calls) == k:
                    os.kill(os.getpid(), signal.SIGKILL)

            atomic.step = die
            try:
                _save(_model(2.0), path)
            finally:
                os._exit(3)  # not reached when killed
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, k
        committed = k >= n_steps - 1  # killed after the rename of config.json
        assert _bias(path) == (2.0 if committed else 1.0), k
        with FolderLock(path):  # what the next run does on start: lock (the dead writer's lock file is reused) and clean
            remove_orphans(path)
        meta = json.loads((path / "config.json").read_text())
        assert sorted(p.name for p in path.iterdir()) == sorted(["config.json"] + [f["name"] for f in meta["files"].values()]), k


@pytest.mark.parametrize("k", range(1, 8))
def test_ctrl_c_at_every_step_leaves_the_previous_or_the_new_and_no_leftovers(tmp_path, monkeypatch, k):
    path = tmp_path / "run"
    _save(_model(1.0), path)
    before = sorted(p.name for p in path.iterdir())
    calls = []

    def interrupt(name, file):
        calls.append(name)
        if len(calls) == k:
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _save(_model(2.0), path)
    monkeypatch.undo()
    committed = k >= 6
    assert _bias(path) == (2.0 if committed else 1.0)
    names = sorted(p.name for p in path.iterdir())
    assert not any(".tmp-" in n for n in names)
    if not committed:
        assert names == before  # the new files of the interrupted save are gone


def test_a_full_disk_mid_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "run"
    _save(_model(1.0), path)
    before = sorted(p.name for p in path.iterdir())
    real = atomic.write_tmp

    def full(target, data):
        if target.name.startswith("training"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(target, data)

    monkeypatch.setattr(atomic, "write_tmp", full)
    with pytest.raises(CheckpointWriteError, match="No space left on device.*previous checkpoint there is unchanged") as exc:
        _save(_model(2.0), path)
    assert "\n" not in str(exc.value)
    monkeypatch.undo()
    assert _bias(path) == 1.0 and sorted(p.name for p in path.iterdir()) == before


def test_readers_during_saves_see_one_whole_checkpoint(tmp_path):
    path = tmp_path / "run"
    write_checkpoint(path, model_kind="t", config={"gen": 0}, tensors={"w": torch.zeros(2000)})
    stop, errors, reads = threading.Event(), [], [0]

    def reader():
        while not stop.is_set():
            try:
                data = read_checkpoint(path, model_kind="t")
                if not torch.all(data.tensors["w"] == data.config["gen"]):
                    errors.append(f"mixed: config {data.config['gen']}, tensor {data.tensors['w'][0]}")
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure counts
                errors.append(repr(exc))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for gen in range(1, 60):
            write_checkpoint(path, model_kind="t", config={"gen": gen}, tensors={"w": torch.full((2000,), float(gen))})
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert reads[0] > 20


def test_the_previous_generation_is_kept_for_one_more_save(tmp_path):
    path = tmp_path / "run"
    names = []
    for gen in range(3):
        write_checkpoint(path, model_kind="t", config={}, tensors={"w": torch.full((3,), float(gen))})
        names.append(json.loads((path / "config.json").read_text())["files"]["model"]["name"])
    present = {p.name for p in path.iterdir()}
    assert names[2] in present and names[1] in present and names[0] not in present


def test_the_same_model_saves_to_the_same_bytes(tmp_path):
    model = _model(0.5)
    a, b = save_language_model(model, tmp_path / "a"), save_language_model(model, tmp_path / "b")
    listing = sorted(p.name for p in a.iterdir())
    assert listing == sorted(p.name for p in b.iterdir())
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in listing)


def test_orphans_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    path = tmp_path / "run"
    write_checkpoint(path, model_kind="t", config={}, tensors={"w": torch.zeros(3)})
    proc = os.fork()
    if proc == 0:
        os._exit(0)
    os.waitpid(proc, 0)  # a pid that surely belonged to a process now gone
    dead = path / f".model-0123456789abcdef.safetensors.tmp-{proc}"
    live = path / f".config.json.tmp-{os.getppid()}"
    unnamed = path / "model-0123456789abcdef.safetensors"
    for f in (dead, live, unnamed):
        f.write_bytes(b"x")
    assert sorted(remove_orphans(path)) == sorted([dead.name, unnamed.name])
    assert live.exists() and read_checkpoint(path, model_kind="t")


# ----------------------------------------------------------------------------- format 1


def write_format_1(model, path, *, training_tensors=None):
    """A checkpoint exactly as seq-explorer wrote them before format 2: fixed names in the folder."""
    path.mkdir(parents=True)
    config = dict(model.config, model=model.model_config.to_json())
    files = {}
    for name, tensors in (("model.safetensors", model.state_dict()), ("training.safetensors", training_tensors)):
        if tensors is None:
            continue
        data = st_save({k: v.contiguous() for k, v in tensors.items()})
        (path / name).write_bytes(data)
        files[name] = hashlib.sha256(data).hexdigest()
    meta = {"format": "seq-explorer.checkpoint", "format_version": 1, "model_kind": "language-model", "config": config,
            "vocab": model.vocab.to_json(), "files": files}
    if training_tensors is not None:
        meta["training"] = TRAINING
    (path / "config.json").write_text(json.dumps(meta, indent=1))
    return path


def test_format_1_folders_still_load(tmp_path):
    model = _model(0.25)
    path = write_format_1(model, tmp_path / "old", training_tensors={"adam.t": torch.tensor(3)})
    loaded = load_language_model(path)
    assert torch.equal(loaded.head.bias, model.head.bias)
    data = read_checkpoint(path, model_kind="language-model")
    assert int(data.training_tensors["adam.t"]) == 3 and data.training["step"] == 1


def test_format_1_damage_is_still_refused(tmp_path):
    path = write_format_1(_model(0.25), tmp_path / "old")
    f = path / "model.safetensors"
    f.write_bytes(f.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match="checksum"):
        load_language_model(path)


def test_a_save_into_a_format_1_folder_upgrades_it(tmp_path):
    path = write_format_1(_model(0.25), tmp_path / "old", training_tensors={"adam.t": torch.tensor(3)})
    _save(_model(1.0), path)
    assert json.loads((path / "config.json").read_text())["format_version"] == 2
    assert (path / "model.safetensors").exists()  # the previous generation, kept for one more save
    _save(_model(2.0), path)
    assert not (path / "model.safetensors").exists() and not (path / "training.safetensors").exists()
    assert _bias(path) == 2.0


def test_the_bundled_checkpoints_load():
    from engine.lm import BUNDLED_CHECKPOINTS, default_checkpoint

    for name in BUNDLED_CHECKPOINTS:
        model = load_language_model(default_checkpoint(name))
        assert all(bool(torch.isfinite(p).all()) for p in model.parameters())
