"""Recurrent cells (RNN, GRU variants, LSTM variants), deep/bidirectional layers, traces, BPTT.

- :mod:`engine.recurrent.kinds`: ``KINDS``, ``CELL_KINDS``, ``GATE_NAMES``: the table of cell kinds
  (torch-free: the command line and the app's forms read it before torch is imported).
- :mod:`engine.recurrent.cells`: ``make_cell``, ``RecurrentCell``, one step per kind (``STEPS``).
- :mod:`engine.recurrent.layers`: ``Recurrent`` (fused fast path, recording loop).
- :mod:`engine.recurrent.trace`: ``Trace``, ``LayerTrace`` (numpy copies of every gate and state).
- :mod:`engine.recurrent.heads`: many-to-many, many-to-one heads and one-to-many ``generate``.
- :mod:`engine.recurrent.bptt`: the course's backward equations by hand.

The names below are imported on first use, so ``import engine.recurrent.kinds`` does not import torch.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "CELL_KINDS": "engine.recurrent.kinds", "GATE_NAMES": "engine.recurrent.kinds", "KINDS": "engine.recurrent.kinds",
    "RecurrentCell": "engine.recurrent.cells", "make_cell": "engine.recurrent.cells",
    "Recurrent": "engine.recurrent.layers",
    "LayerTrace": "engine.recurrent.trace", "Trace": "engine.recurrent.trace",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'engine.recurrent' has no attribute {name!r}")
