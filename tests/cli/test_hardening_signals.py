"""Ctrl+C and a save: the second Ctrl+C lets a save in progress finish, the third interrupts."""

from __future__ import annotations

import threading

import pytest

import engine.atomic_files as atomic
import engine.checkpoint as ck
from explorer.commands._signals import StopOnSigint


def test_ctrl_c_stops_then_interrupts():
    stop = threading.Event()
    handler = StopOnSigint(stop)
    handler._handle(2, None)
    assert stop.is_set()
    with pytest.raises(KeyboardInterrupt):
        handler._handle(2, None)


def test_a_second_ctrl_c_during_a_save_lets_it_finish(tmp_path, monkeypatch, capsys):
    import torch

    stop = threading.Event()
    handler = StopOnSigint(stop)
    handler._handle(2, None)
    presses = []

    def ctrl_c_while_saving(name, file):
        if name == "written" and file == "config.json":
            assert atomic.save_in_progress()
            handler._handle(2, None)  # the second Ctrl+C arrives in the middle of the save
            presses.append(file)

    monkeypatch.setattr(atomic, "step", ctrl_c_while_saving)
    ck.write_checkpoint(tmp_path / "run", model_kind="t", config={}, tensors={"w": torch.ones(3)})
    assert presses and not atomic.save_in_progress()
    assert ck.read_checkpoint(tmp_path / "run", model_kind="t").tensors["w"].sum() == 3  # the save completed
    assert "finishing the checkpoint" in capsys.readouterr().err
    with pytest.raises(KeyboardInterrupt):  # a third one interrupts
        handler._handle(2, None)
