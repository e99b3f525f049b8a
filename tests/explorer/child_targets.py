"""Generators run by ``explorer.child_runs`` children in tests (imported in the child process)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from engine.errors import InputError
from engine.events import Finished, Saved, Started, Step


def _step(i: int, total: int) -> Step:
    return Step(step=i, total_steps=total, loss=1.0 / i, smoothed_loss=1.0 / i, grad_norm=1.0,
                grad_norm_clipped=1.0, clipped=False, lr=0.01, tokens_per_s=1.0, elapsed_s=i / 1000, eta_s=0.0)


def count(stop, save_request, n: int, delay: float = 0.0, marker: str | None = None):
    """A fake training run: ``n`` steps; ``stop`` ends it, ``save_request`` yields ``Saved``.

    ``marker``: a file written when the run ends by itself or by ``stop`` (as a checkpoint would be).
    """
    yield Started(total_steps=n, device="cpu", description=f"pid {os.getpid()}")
    reason, i = "completed", 0
    for i in range(1, n + 1):
        if stop.is_set():
            reason = "stopped"
            break
        if save_request.is_set():
            save_request.clear()
            yield Saved(step=i, path=f"saved-at-{i}")
        if delay:
            time.sleep(delay)
        yield _step(i, n)
    if marker:
        Path(marker).write_text(f"{reason} {i}")
    yield Finished(step=i, reason=reason)


def count_pausable(stop, save_request, pause, n: int, delay: float = 0.0):
    """Like :func:`count`, but it holds itself while ``pause`` is set, and says so after."""
    yield Started(total_steps=n, device="cpu")
    for i in range(1, n + 1):
        if pause.is_set():
            while pause.is_set() and not stop.is_set():
                time.sleep(0.01)
            yield Saved(step=i, path="held-by-the-target")
        if stop.is_set():
            yield Finished(step=i, reason="stopped")
            return
        time.sleep(delay)
        yield _step(i, n)
    yield Finished(step=n, reason="completed")


class Unpicklable(Exception):
    def __init__(self, a, b):  # pickling calls cls(*args) with one arg: fails
        super().__init__(f"{a} and {b}")


def fail(stop, save_request, how: str):
    yield Started(total_steps=1, device="cpu")
    if how == "input":
        raise InputError("cannot read corpus.txt: it is empty; choose a text file with some lines")
    if how == "unpicklable":
        raise Unpicklable("left", "right")
    if how == "crash":
        os._exit(3)
    raise AssertionError(how)
