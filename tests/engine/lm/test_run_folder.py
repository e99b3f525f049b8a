"""A training run's folder: locked for the run's life, never silently overwritten, checked before
training starts, and keeping the best checkpoint by validation loss."""

from __future__ import annotations

import errno
import json
import os
import threading
from collections import namedtuple

import pytest
import torch

import engine.atomic_files as atomic
import engine.checkpoint as ck
from engine.errors import CheckpointWriteError, InputError
from engine.events import Evaluated, Finished, Saved, Started
from engine.lm import load_language_model
from engine.run_lock import FolderBusy
from engine.training import train

from .conftest import tiny_config


def run(config, resume_from=None):
    return list(train(config, threading.Event(), resume_from))


def test_a_new_run_refuses_a_folder_holding_a_checkpoint(names_file, tmp_path):
    out = tmp_path / "run"
    run(tiny_config(names_file, out=str(out)))
    listing = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.raises(InputError, match=r"already holds a checkpoint \(step 12\); resume it, allow overwriting it") as exc:
        run(tiny_config(names_file, out=str(out), seed=1))
    assert exc.value.field == "overwrite" and "\n" not in str(exc.value)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == listing  # untouched


def test_overwrite_starts_afresh_and_resume_continues(names_file, tmp_path):
    out = tmp_path / "run"
    first = run(tiny_config(names_file, out=str(out)))
    events = run(tiny_config(names_file, out=str(out), seed=1, overwrite=True))
    assert events[-1].reason == "completed"
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["event"] for m in metrics].count("Started") == 1  # the old run's metrics went
    best = json.loads((out / "best" / "config.json").read_text())["best"]
    vals = [e.val_loss for e in events if isinstance(e, Evaluated)]
    assert best["val_loss"] == min(vals)  # this run's best, not the first run's
    assert first[-1].reason == "completed"
    resumed = run(tiny_config(names_file, out=str(out), seed=1, steps=18), resume_from=out)  # the same folder: allowed
    assert resumed[0].start_step == 12 and resumed[-1].step == 18


def test_two_runs_on_one_folder_the_second_is_refused_by_name(names_file, tmp_path):
    out = tmp_path / "run"
    first = train(tiny_config(names_file, out=str(out), steps=50), threading.Event())
    assert isinstance(next(first), Started)  # holds the lock from here to its end
    try:
        with pytest.raises(FolderBusy, match=f"in use by process {os.getpid()}"):
            run(tiny_config(names_file, out=str(out), overwrite=True))
    finally:
        first.close()
    assert run(tiny_config(names_file, out=str(out), overwrite=True))[-1].reason == "completed"  # free once it ended


def test_an_unwritable_out_is_refused_before_any_training(names_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create the folder") as exc:
        next(train(tiny_config(names_file, out=str(blocker / "run")), threading.Event()))
    assert exc.value.field == "out"


def test_too_little_free_space_is_refused_before_training(names_file, tmp_path, monkeypatch):
    import engine.lm.run_folder as rf

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(rf.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    gen = train(tiny_config(names_file, out=str(tmp_path / "run")), threading.Event())
    with pytest.raises(InputError, match="MB free") as exc:
        next(gen)  # refused before Started: no step was trained
    assert exc.value.field == "out"


def test_a_full_disk_mid_run_is_one_line_and_keeps_the_previous_checkpoint(names_file, tmp_path, monkeypatch):
    out = tmp_path / "run"
    saves = []
    real = atomic.write_tmp

    def full_on_second_save(target, data):
        if target.name.startswith("training"):
            saves.append(target)
            if len(saves) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(target, data)

    monkeypatch.setattr(atomic, "write_tmp", full_on_second_save)
    events = []
    with pytest.raises(CheckpointWriteError, match="No space left on device") as exc:
        for event in train(tiny_config(names_file, out=str(out), steps=12, checkpoint_every=6), threading.Event()):
            events.append(event)
    assert "\n" not in str(exc.value)
    assert [e.step for e in events if isinstance(e, Saved)] == [6]
    monkeypatch.undo()
    data = ck.read_checkpoint(out, model_kind="language-model")
    assert data.training["step"] == 6  # the previous checkpoint, whole
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


def test_best_is_the_lowest_validation_loss_and_loads_by_default(names_file, tmp_path):
    out = tmp_path / "run"
    events = run(tiny_config(names_file, out=str(out), steps=24, eval_every=3, lr=0.05))
    vals = {e.step: e.val_loss for e in events if isinstance(e, Evaluated)}
    best = json.loads((out / "best" / "config.json").read_text())["best"]
    assert best == {"step": min(vals, key=vals.get), "val_loss": min(vals.values())}
    assert "training" not in json.loads((out / "best" / "config.json").read_text())  # weights only
    default, last = load_language_model(out), load_language_model(out, which="last")
    best_model = load_language_model(out / "best")
    assert all(torch.equal(a, b) for a, b in zip(default.state_dict().values(), best_model.state_dict().values()))
    if best["step"] != 24:
        assert not all(torch.equal(a, b) for a, b in zip(default.state_dict().values(), last.state_dict().values()))
    assert isinstance(events[-1], Finished) and events[-1].checkpoint == str(out)  # the last, resumable one


def test_orphan_token_files_of_dead_processes_are_removed_at_start(names_file, tmp_path):
    import tempfile

    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    orphan = os.path.join(tempfile.gettempdir(), f"seq-explorer-tokens-{pid}-abcd.i32")
    with open(orphan, "wb") as fh:
        fh.write(b"\0" * 16)
    run(tiny_config(names_file, out=str(tmp_path / "run"), steps=2))
    assert not os.path.exists(orphan)


@pytest.mark.parametrize("name", ["metrics.jsonl", ".lock"])
def test_a_fifo_in_the_run_folder_is_refused_not_blocked_on(names_file, tmp_path, name):
    import signal

    out = tmp_path / "run"
    run(tiny_config(names_file, out=str(out)))
    (out / name).unlink(missing_ok=True)
    os.mkfifo(out / name)  # opening it to write would wait for a reader forever

    def hung(signum, frame):
        raise AssertionError("blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        with pytest.raises(InputError, match="is not a regular file") as exc:
            run(tiny_config(names_file, out=str(out), steps=14), resume_from=out)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "\n" not in str(exc.value)
    assert load_language_model(out, which="last")
