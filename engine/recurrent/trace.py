"""Gate traces: every gate and state at every step, per layer and direction.

A :class:`Trace` is what ``Recurrent(..., record=True)`` returns next to its output. All
arrays are detached CPU numpy copies, so the UI can read them while training goes on.
Backward-direction arrays are indexed in the ORIGINAL time order: ``trace.layer(1,
"backward").a[:, t]`` is ``←a⟨t+1⟩`` (0-based ``t``), the state that read ``x⟨t+1⟩``.

Names (everywhere: engine, JSON, UI): ``update`` Γu, ``forget`` Γf, ``output`` Γo,
``relevance`` Γr, ``candidate`` c̃; states ``a`` and ``c``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from engine.errors import InputError

Direction = Literal["forward", "backward"]


@dataclass(frozen=True)
class LayerTrace:
    """One layer and direction of a recorded forward pass (shapes with ``n_a`` = hidden size)."""

    layer: int
    """1-based layer index ``[l]``."""
    direction: Direction
    """``forward`` (→a) or ``backward`` (←a)."""
    x: np.ndarray
    """``(B, T, n_x)`` the layer's input ``x⟨t⟩``: the model input for layer 1, the ``a`` of the
    layer below (both directions concatenated when bidirectional) for higher layers."""
    a0: np.ndarray
    """``(B, n_a)`` the initial state ``a⟨0⟩``."""
    c0: np.ndarray | None
    """``(B, n_a)`` the initial memory cell ``c⟨0⟩`` (LSTMs; equal to ``a0`` for GRUs; None for rnn)."""
    a: np.ndarray
    """``(B, T, n_a)`` the states ``a⟨t⟩``."""
    c: np.ndarray | None
    """``(B, T, n_a)`` the memory cell ``c⟨t⟩`` (LSTMs; equal to ``a`` for GRUs; None for rnn)."""
    gates: dict[str, np.ndarray] = field(default_factory=dict)
    """Gate name → ``(B, T, n_a)``; only the gates the cell kind has (Γu in the course's sense)."""
    z: np.ndarray | None = None
    """``(B, T, n_a)`` the basic RNN's pre-activation ``z⟨t⟩ = W_a[a⟨t−1⟩, x⟨t⟩] + b_a``, so that
    ``a⟨t⟩ = g(z⟨t⟩)`` (tanh or ReLU); None for the gated kinds."""

    @property
    def steps(self) -> int:
        """Number of time steps ``T``."""
        return int(self.a.shape[1])


@dataclass(frozen=True)
class Trace:
    """A recorded forward pass: the cell kind and one :class:`LayerTrace` per layer/direction.

    ``layers`` is ordered layer by layer, forward before backward.
    """

    cell: str
    """The cell kind (one of ``CELL_KINDS``)."""
    layers: tuple[LayerTrace, ...]
    """Every layer and direction, ``(1, forward), (1, backward), (2, forward), ...``."""

    @property
    def num_layers(self) -> int:
        return max(lt.layer for lt in self.layers)

    @property
    def bidirectional(self) -> bool:
        return any(lt.direction == "backward" for lt in self.layers)

    def layer(self, layer: int, direction: str = "forward") -> LayerTrace:
        """The trace of layer ``layer`` (1-based) in ``direction``."""
        for lt in self.layers:
            if lt.layer == layer and lt.direction == direction:
                return lt
        have = ", ".join(f"({lt.layer}, {lt.direction})" for lt in self.layers)
        raise InputError(f"no trace for layer {layer!r} direction {direction!r}; recorded: {have}")
