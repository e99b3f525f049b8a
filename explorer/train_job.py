"""A Train screen run as a job: the engine's ``TrainConfig`` from the form, then ``train``.

Textual-free, so that a child process (:mod:`explorer.child_runs`) can run it without
importing the UI; the Train screen runs it there, or in a thread worker.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Iterator

FORM_FIELDS = ("data", "level", "cell", "layers", "hidden", "lr", "steps", "seed", "clip", "clip_threshold")
PRELOAD = ("torch", "engine.training", "engine.lm.loop")
"""What a spare child imports before its job arrives (``train`` imports the rest on its first step)."""
TARGET = "explorer.train_job:run"


def make_config(config_cls: type, values: dict[str, object], device: str = "auto", out: str | None = None,
                **extra: object):
    """The engine's ``TrainConfig`` from the form's values (fields the config lacks are left out)."""
    names = {f.name for f in dataclasses.fields(config_cls)}
    kwargs = {k: v for k, v in values.items() if k in FORM_FIELDS and k in names}
    kwargs.update({k: v for k, v in extra.items() if k in names})
    if "device" in names:
        kwargs["device"] = device
    if out is not None and "out" in names:
        kwargs["out"] = out
    return config_cls(**kwargs)


def run(values: dict[str, object] | None, device: str, out: str | None, extra: dict[str, object],
        stop: threading.Event, save_request: threading.Event | None = None,
        pause: threading.Event | None = None) -> Iterator[object]:
    """``engine.training.train`` on the form's ``values`` (None: the demo), as a generator of events."""
    from engine.training import TrainConfig, train

    config = make_config(TrainConfig, values or {}, device, out, **extra)
    return train(config, stop, save_request=save_request, pause=pause)
