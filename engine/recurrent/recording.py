"""Recording a layer's gates from its states, all steps at once.

Every gate at step ``t`` is a function of ``x⟨t⟩``, ``a⟨t−1⟩`` and (LSTMs) ``c⟨t−1⟩`` only.
Once a layer has run (fused kernel or per-step loop) and its states ``a⟨t⟩`` are known,
the gates of all ``T`` steps are therefore one batched evaluation of the cell's step
:func:`engine.recurrent.cells.cell_step` on the ``B·T`` rows ``(x⟨t⟩, a⟨t−1⟩, c⟨t−1⟩)``:
the same equations, no Python loop over time. The plain LSTM's ``c⟨t⟩`` (which
``torch.nn.LSTM`` does not return) comes from its recurrence ``c⟨t⟩ = Γu∗c̃ + Γf∗c⟨t−1⟩``
with the gates already known, one fused multiply-add per step.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import Tensor

from engine.recurrent.cells import cell_step
from engine.recurrent.kinds import kind_of


def to_numpy(t: Tensor) -> np.ndarray:
    """A detached CPU numpy copy."""
    return t.detach().to("cpu").numpy().copy()


def shift_prev(seq: Tensor, first: Tensor, reverse: bool) -> Tensor:
    """``(B, T, H)`` of the previous state seen at each step: ``s⟨t−1⟩`` (``s⟨t+1⟩`` when reverse)."""
    if reverse:
        return torch.cat([seq[:, 1:], first.unsqueeze(1)], 1)
    return torch.cat([first.unsqueeze(1), seq[:, :-1]], 1)


@torch.no_grad()
def record_gates(
    kind: str,
    x: Tensor,
    a: Tensor,
    a0: Tensor,
    c: Optional[Tensor],
    c0: Optional[Tensor],
    params: dict[str, Tensor],
    nonlinearity: str = "tanh",
    reverse: bool = False,
) -> tuple[dict[str, np.ndarray], Optional[np.ndarray]]:
    """Gates ``(B, T, H)`` of one layer/direction as numpy, and the LSTM's ``c`` when not given.

    ``x`` ``(B, T, n_x)`` is the layer input, ``a`` ``(B, T, H)`` its states, ``a0``/``c0``
    the initial states, ``c`` the LSTM memory cells if the run produced them (else None:
    they are rebuilt here for ``lstm``). Arrays are in original time order.
    """
    B, T, n_x = x.shape
    H = a.shape[2]
    w_ih, w_hh, b_ih, b_hh = params["weight_ih"], params["weight_hh"], params["bias_ih"], params["bias_hh"]
    xw = torch.addmm(b_ih, x.reshape(B * T, n_x), w_ih.t())  # (B·T, k·H)
    a_prev = shift_prev(a, a0, reverse).reshape(B * T, H)
    spec = kind_of(kind, field="kind")
    if spec.memory_cell and not spec.peephole and c is None:  # the fused LSTM returns no c⟨t⟩
        assert c0 is not None
        pre = torch.addmm(xw + b_hh, a_prev, w_hh.t()).view(B, T, 4 * H)  # i|f|g|o
        s = torch.sigmoid(pre)
        g = torch.tanh(pre[..., 2 * H : 3 * H])
        u, f, o = s[..., :H], s[..., H : 2 * H], s[..., 3 * H :]
        ugs, fs = (u * g).unbind(1), f.unbind(1)
        cs = [c0] * T
        c_t = c0
        for t in range(T - 1, -1, -1) if reverse else range(T):
            c_t = torch.addcmul(ugs[t], fs[t], c_t)  # c⟨t⟩ = Γu∗c̃ + Γf∗c⟨t−1⟩
            cs[t] = c_t
        gates = {"update": u, "forget": f, "output": o, "candidate": g}
        return {k: to_numpy(v) for k, v in gates.items()}, to_numpy(torch.stack(cs, 1))
    if c is not None:
        assert c0 is not None
        state = (a_prev, shift_prev(c, c0, reverse).reshape(B * T, H))
    else:
        state = a_prev
    peephole = params.get("peephole")
    _, gates = cell_step(kind, xw, state, w_hh, b_hh, peephole, nonlinearity, record=True)
    return {k: to_numpy(v.reshape(B, T, H)) for k, v in gates.items()}, None


@torch.no_grad()
def record_preactivation(x: Tensor, a: Tensor, a0: Tensor, params: dict[str, Tensor],
                         reverse: bool = False) -> np.ndarray:
    """The basic RNN's ``z⟨t⟩ = W_a[a⟨t−1⟩, x⟨t⟩] + b_a`` ``(B, T, H)`` of every step at once (``a⟨t⟩ =
    g(z⟨t⟩)``), from the layer input ``x`` ``(B, T, n_x)`` and its states ``a``; original time order."""
    B, T, n_x = x.shape
    H = a.shape[2]
    xw = torch.addmm(params["bias_ih"] + params["bias_hh"], x.reshape(B * T, n_x), params["weight_ih"].t())
    z = torch.addmm(xw, shift_prev(a, a0, reverse).reshape(B * T, H), params["weight_hh"].t())
    return to_numpy(z.view(B, T, H))
