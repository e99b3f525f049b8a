"""Device selection (``auto|cpu|cuda``) and seeding."""

from __future__ import annotations

import random
import threading
from contextlib import contextmanager
from typing import Iterator, Literal

import numpy as np
import torch

from engine.errors import InputError

DeviceName = Literal["auto", "cpu", "cuda"]
DEVICE_NAMES: tuple[str, ...] = ("auto", "cpu", "cuda")


def select_device(name: str = "auto") -> torch.device:
    """Return the torch device for ``name``.

    ``auto`` picks CUDA when available, else the CPU. ``cuda`` on a machine
    without CUDA is an :class:`InputError` that says so.
    """
    if name not in DEVICE_NAMES:
        raise InputError(f"device must be one of {', '.join(DEVICE_NAMES)}, got {name!r}", field="device")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device is 'cuda' but CUDA is not available here; choose cpu or auto", field="device")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA) for a reproducible run.

    ``seed`` must be an int in 0..2³²−1 (:func:`engine.limits.check_seed`): a one-line InputError
    otherwise, instead of numpy's or torch's own errors for a negative or huge seed."""
    from engine.limits import check_seed

    check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def auto_cpu_threads(requested: int | None) -> int | None:
    """The torch CPU thread count a run should use.

    ``requested`` when given. Otherwise ``None`` (leave torch's setting) on the main
    thread, and 1 in any other thread: OpenMP gives each new thread a pool of its own,
    and for the small models of this project that pool made a worker-thread training
    run about 4× slower than the same run on the main thread (measured on 2 idle cores:
    5.1 s vs 1.3 s for 300 demo steps; with 1 thread, 1.6 s in either).
    """
    if requested is not None:
        from engine.limits import MAX_CPU_THREADS, check_int

        return check_int(requested, "cpu_threads", 1, MAX_CPU_THREADS)  # 100,000 crashed OpenMP
    return None if threading.current_thread() is threading.main_thread() else 1


@contextmanager
def torch_threads(requested: int | None = None) -> Iterator[None]:
    """Run a block with :func:`auto_cpu_threads` torch CPU threads, restoring the setting after."""
    n = auto_cpu_threads(requested)
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
