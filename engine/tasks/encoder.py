"""A recurrent encoder over padded batches that reads every sequence only up to its true length.

Public API::

    SequenceEncoder(kind, input_size, hidden_size, num_layers=1, bidirectional=False, dropout=0.0)
    encoder(x (B, T, n_x), lengths (B,), record=False) -> Encoded(out, trace)
    reverse_within(x, lengths)      # x⟨len−1⟩ … x⟨0⟩ then the padding, per sequence (an involution)

Why not ``Recurrent(bidirectional=True)`` on the padded batch: its backward direction starts at
the padded end ``T``, so ←a of a short sentence would first read PAD tokens, and its "first
backward state" would depend on how long the *other* sentences of the batch were. Here each
direction of each layer is a unidirectional :class:`~engine.recurrent.layers.Recurrent` (the
fused ``torch.nn`` kernel for rnn/gru/lstm, the compiled loop for the other kinds), and the
backward one reads each sequence reversed *within its length* (what ``pack_padded_sequence``
does), so the padding always comes after the real tokens in both directions:

    →a⟨t⟩ = cell(x⟨t⟩, →a⟨t−1⟩)            t = 1 … T_x
    ←a⟨t⟩ = cell(x⟨t⟩, ←a⟨t+1⟩)            t = T_x … 1
    out⟨t⟩ = [→a⟨t⟩ ; ←a⟨t⟩]               (B, T, D·H), garbage at padded positions t > T_x

so ``[→a⟨T_x⟩ ; ←a⟨1⟩]``, the two states that have read the whole sequence, are ``out`` at
``lengths − 1`` and at 0 (:meth:`engine.recurrent.heads.ManyToOneHead.summary` with ``lengths``).

A layer above reads ``out`` of the layer below (dropout between layers while training). The
result equals running each sequence alone, unpadded (a test checks this). With ``record`` every
layer and direction is traced by the project's recording machinery; backward arrays are put back
in the original time order, so ``trace.layer(1, "backward").a[b, t]`` is ←a⟨t+1⟩ as in
:mod:`engine.recurrent.trace`. Positions ``t ≥ lengths[b]`` of a trace are padding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from engine.errors import InputError
from engine.recurrent.cells import RecurrentCell, check_positive_int
from engine.recurrent.layers import DIRECTIONS, Recurrent
from engine.recurrent.trace import LayerTrace, Trace


@dataclass
class Encoded:
    """What :class:`SequenceEncoder` returns."""

    out: Tensor
    """``(B, T, D·H)`` every step's ``[→a⟨t⟩ ; ←a⟨t⟩]`` of the top layer (padding positions are garbage)."""
    trace: Trace | None = None
    """Every layer and direction's gates and states (when recorded)."""


def reversal_index(lengths: Tensor, T: int) -> Tensor:
    """``(B, T)`` time index that reverses each row within its length and leaves the padding in place."""
    t = torch.arange(T, device=lengths.device).unsqueeze(0)  # (1, T)
    L = lengths.unsqueeze(1)  # (B, 1)
    return torch.where(t < L, L - 1 - t, t)


def reverse_within(x: Tensor, lengths: Tensor) -> Tensor:
    """``x`` ``(B, T, ·)`` with each sequence's first ``lengths[b]`` steps reversed (its own inverse)."""
    idx = reversal_index(lengths.to(x.device), x.shape[1])
    return x.gather(1, idx.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def _unreverse_trace(lt: LayerTrace, idx: np.ndarray) -> LayerTrace:
    def back(arr: np.ndarray | None) -> np.ndarray | None:
        if arr is None:
            return None
        return np.take_along_axis(arr, idx[:, :, None], axis=1)

    return replace(lt, direction="backward", x=back(lt.x), a=back(lt.a), c=back(lt.c), z=back(lt.z),
                   gates={k: back(v) for k, v in lt.gates.items()})


class SequenceEncoder(torch.nn.Module):
    """Stacked, optionally bidirectional recurrent layers that respect each sequence's length.

    Parameters live in ``layers[l][d]`` (d = 0 forward, 1 backward), each a one-layer
    :class:`Recurrent` whose own parameters are named as ``torch.nn`` names them (``weight_ih_l0`` …).
    """

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_positive_int("num_layers", num_layers)
        self.kind = kind
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self.dropout = float(dropout)
        self.layers = torch.nn.ModuleList()
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size * self.num_directions
            self.layers.append(torch.nn.ModuleList(
                Recurrent(kind, n_in, hidden_size) for _ in range(self.num_directions)
            ))

    @property
    def output_size(self) -> int:
        return self.hidden_size * self.num_directions

    def recurrent(self, layer: int = 1, direction: str = "forward") -> Recurrent:
        """The one-layer :class:`Recurrent` of ``layer`` (1-based) in ``direction`` (for its cell view)."""
        if not 1 <= layer <= self.num_layers or direction not in DIRECTIONS[: self.num_directions]:
            raise InputError(f"no layer {layer!r} direction {direction!r}; this encoder has {self.num_layers} "
                             f"layer(s), directions {', '.join(DIRECTIONS[: self.num_directions])}")
        return self.layers[layer - 1][DIRECTIONS.index(direction)]  # type: ignore[index]

    def cell(self, layer: int = 1, direction: str = "forward") -> RecurrentCell:
        """The cell view of ``layer`` in ``direction`` (``course_parameters()``, ``equations``)."""
        return self.recurrent(layer, direction).cell(1, "forward")

    def forward(self, x: Tensor, lengths: Tensor, *, record: bool = False) -> Encoded:
        if x.dim() != 3 or x.shape[2] != self.input_size:
            raise InputError(f"encoder input must have shape (batch, time, {self.input_size}), got {tuple(x.shape)}")
        B, T, _ = x.shape
        lengths = lengths.to(device=x.device, dtype=torch.long)
        if lengths.shape != (B,) or int(lengths.min()) < 1 or int(lengths.max()) > T:
            raise InputError(f"lengths must be {B} values in 1..{T}, got {lengths.tolist()}")
        rev = reversal_index(lengths, T) if self.bidirectional else None
        rev_np = rev.cpu().numpy() if rev is not None and record else None
        traces: list[LayerTrace] = []
        inp = x
        for layer, dirs in enumerate(self.layers, start=1):
            if layer > 1 and self.dropout and self.training:
                inp = F.dropout(inp, self.dropout, training=True)
            a_fwd, _, tr = dirs[0](inp, record=record)  # (B, T, H)
            parts = [a_fwd]
            if tr is not None:
                traces.append(replace(tr.layers[0], layer=layer))
            if self.bidirectional:
                assert rev is not None
                inp_rev = inp.gather(1, rev.unsqueeze(-1).expand(-1, -1, inp.shape[2]))
                a_rev, _, tr_b = dirs[1](inp_rev, record=record)
                parts.append(a_rev.gather(1, rev.unsqueeze(-1).expand(-1, -1, a_rev.shape[2])))  # original order
                if tr_b is not None:
                    assert rev_np is not None
                    traces.append(_unreverse_trace(replace(tr_b.layers[0], layer=layer), rev_np))
            inp = parts[0] if len(parts) == 1 else torch.cat(parts, dim=2)  # (B, T, D·H)
        trace = Trace(cell=self.kind, layers=tuple(traces)) if record else None
        return Encoded(out=inp, trace=trace)
