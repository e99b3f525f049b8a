"""Jobs run by ``explorer.child_runs`` children in tests (this module is in their preload: importing it
registers the jobs there, as ``explorer.jobs.train`` registers the Train screen's)."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.events import Event, Finished, Saved, Started, Step
from explorer.child_runs import ChildJob, register_job

PRELOAD = ("engine.events", "tests.explorer.child_targets")


@dataclass(frozen=True)
class FakeConfig:
    """The settings of a fake run (JSON both ways, like the engine's configs)."""

    n: int = 1
    delay: float = 0.0
    marker: str | None = None
    """A file written when the run ends by itself or by ``stop`` (as a checkpoint would be)."""
    how: str = ""
    """How ``fail`` fails."""

    def __post_init__(self) -> None:
        if self.n < 0:
            raise InputError(f"n must be ≥ 0, got {self.n}", field="n")

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "FakeConfig":
        return cls(**data)


def _step(i: int, total: int) -> Step:
    return Step(step=i, total_steps=total, loss=1.0 / i, smoothed_loss=1.0 / i, grad_norm=1.0,
                grad_norm_clipped=1.0, clipped=False, lr=0.01, tokens_per_s=1.0, elapsed_s=i / 1000, eta_s=0.0)


def count(config: FakeConfig, stop, save_request, pause):
    """A fake training run: ``n`` steps; ``stop`` ends it, ``save_request`` yields ``Saved``. It does not
    hold itself while paused (the child holds it between events)."""
    n = config.n
    yield Started(total_steps=n, device="cpu", description=f"pid {os.getpid()}")
    reason, i = "completed", 0
    for i in range(1, n + 1):
        if stop.is_set():
            reason = "stopped"
            break
        if save_request.is_set():
            save_request.clear()
            yield Saved(step=i, path=f"saved-at-{i}")
        if config.delay:
            time.sleep(config.delay)
        yield _step(i, n)
    if config.marker:
        Path(config.marker).write_text(f"{reason} {i}")
    yield Finished(step=i, reason=reason)


def count_pausable(config: FakeConfig, stop, save_request, pause):
    """Like :func:`count`, but it holds itself while ``pause`` is set, and says so after."""
    n = config.n
    yield Started(total_steps=n, device="cpu")
    for i in range(1, n + 1):
        if pause.is_set():
            while pause.is_set() and not stop.is_set():
                time.sleep(0.01)
            yield Saved(step=i, path="held-by-the-target")
        if stop.is_set():
            yield Finished(step=i, reason="stopped")
            return
        time.sleep(config.delay)
        yield _step(i, n)
    yield Finished(step=n, reason="completed")


class Unpicklable(Exception):
    def __init__(self, a, b):  # pickling calls cls(*args) with one arg: fails
        super().__init__(f"{a} and {b}")


def fail(config: FakeConfig, stop, save_request, pause):
    yield Started(total_steps=1, device="cpu")
    if config.how == "input":
        raise InputError("cannot read corpus.txt: it is empty; choose a text file with some lines")
    if config.how == "unpicklable":
        raise Unpicklable("left", "right")
    if config.how == "crash":
        os._exit(3)
    raise AssertionError(config.how)


@dataclass(frozen=True)
class Received(Event):
    """What the child rebuilt from the JSON it was sent, and in which process."""

    config: object
    pid: int


def echo(config, stop, save_request, pause):
    yield Received(config, os.getpid())


def _train_config():
    from engine.training import TrainConfig

    return TrainConfig


COUNT = register_job(ChildJob("count", FakeConfig, count, PRELOAD, holds_pause=False))
COUNT_PAUSABLE = register_job(ChildJob("count_pausable", FakeConfig, count_pausable, PRELOAD, holds_pause=True))
FAIL = register_job(ChildJob("fail", FakeConfig, fail, PRELOAD))
ECHO_TRAIN_CONFIG = register_job(ChildJob("echo_train_config", _train_config(), echo, PRELOAD))
