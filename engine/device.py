"""Device selection (``auto|cpu|cuda``) and seeding."""

from __future__ import annotations

import random
from typing import Literal

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
        raise InputError(f"device must be one of {', '.join(DEVICE_NAMES)}, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' was asked for but CUDA is not available here; use --device cpu or auto")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA) for a reproducible run."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
