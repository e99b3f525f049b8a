"""The per-step loop over a whole sequence, for one layer and one direction.

Used by :class:`engine.recurrent.layers.Recurrent` for the recording path (every kind)
and for the kinds without a fused kernel (``gru-course``, ``gru-simple``,
``lstm-peephole``). The input projection ``W_ih x⟨t⟩ + b_ih`` of all ``T`` steps is one
matrix product hoisted out of the loop; each step then does ``W_hh a⟨t−1⟩`` and the gates.
"""

from __future__ import annotations

import torch
from torch import Tensor

from engine.recurrent.cells import State, cell_step


def run_sequence(
    kind: str,
    x: Tensor,
    state: State,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor,
    bias_hh: Tensor,
    peephole: Tensor | None = None,
    nonlinearity: str = "tanh",
    *,
    reverse: bool = False,
    record: bool = False,
) -> tuple[Tensor, State, dict[str, Tensor]]:
    """Run ``kind`` over ``x`` ``(B, T, n_x)`` from ``state``; ``reverse`` walks ``t = T..1``.

    Returns ``(a, final_state, recorded)``: ``a`` ``(B, T, H)`` in original time order, the
    state after the last step processed, and (when ``record``) gate name → ``(B, T, H)`` plus
    ``"c"`` for the LSTM kinds, all in original time order and still attached to the graph.
    """
    B, T, n_x = x.shape
    xw = torch.addmm(bias_ih, x.reshape(B * T, n_x), weight_ih.t()).view(B, T, -1)  # (B, T, k·H)
    lstm = isinstance(state, tuple)
    outs: list[Tensor | None] = [None] * T
    cs: list[Tensor | None] = [None] * T
    gates: dict[str, list[Tensor | None]] = {}
    steps = range(T - 1, -1, -1) if reverse else range(T)
    for t in steps:
        state, g = cell_step(kind, xw[:, t], state, weight_hh, bias_hh, peephole, nonlinearity, record)
        if lstm:
            outs[t] = state[0]
            cs[t] = state[1]
        else:
            outs[t] = state
        for name, v in g.items():
            gates.setdefault(name, [None] * T)[t] = v
    a = torch.stack(outs, dim=1)  # type: ignore[arg-type]  # (B, T, H)
    recorded: dict[str, Tensor] = {}
    if record:
        recorded = {name: torch.stack(vs, dim=1) for name, vs in gates.items()}  # type: ignore[arg-type]
        if lstm:
            recorded["c"] = torch.stack(cs, dim=1)  # type: ignore[arg-type]
    return a, state, recorded
