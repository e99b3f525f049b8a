"""Recurrent cells (RNN, GRU variants, LSTM variants), deep/bidirectional layers, traces, BPTT.

- :mod:`engine.recurrent.cells`: ``make_cell``, ``RecurrentCell``, ``CELL_KINDS``, ``GATE_NAMES``.
- :mod:`engine.recurrent.layers`: ``Recurrent`` (fused fast path, recording loop).
- :mod:`engine.recurrent.trace`: ``Trace``, ``LayerTrace`` (numpy copies of every gate and state).
- :mod:`engine.recurrent.heads`: many-to-many, many-to-one heads and one-to-many ``generate``.
- :mod:`engine.recurrent.bptt`: the course's backward equations by hand.
"""

from engine.recurrent.cells import CELL_KINDS, GATE_NAMES, RecurrentCell, make_cell
from engine.recurrent.layers import Recurrent
from engine.recurrent.trace import LayerTrace, Trace

__all__ = ["CELL_KINDS", "GATE_NAMES", "RecurrentCell", "make_cell", "Recurrent", "LayerTrace", "Trace"]
