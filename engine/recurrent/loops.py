"""Per-step loops over a whole sequence for the kinds without a fused kernel.

``gru-course``, ``gru-simple`` and ``lstm-peephole`` (and, for completeness, every other
kind) run here when not recording. The input projection ``W_ih x⟨t⟩ + b_ih`` (plus the
hidden biases that sit outside any gate product) of all ``T`` steps is one matrix product
hoisted out of the loop; each step then does ``W_hh a⟨t−1⟩`` and a handful of element-wise
ops (one sigmoid over all sigmoid gates, ``torch.lerp`` for the GRU update). The loops are
written so that ``torch.jit.script`` can compile them (see ``USE_TORCHSCRIPT``); they
compute exactly :func:`engine.recurrent.cells.cell_step`'s equations.
"""

from __future__ import annotations

import warnings
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor

from engine.recurrent.cells import State
from engine.recurrent.kinds import kind_of
from engine.recurrent.peephole_fused import peephole_lstm_sequence

# --- the loops (TorchScript-compatible: typed, no closures) ------------------------------


def _rnn_tanh_loop(xs: List[Tensor], a: Tensor, w_hh_t: Tensor) -> List[Tensor]:
    outs: List[Tensor] = []
    for xw in xs:
        a = torch.tanh(torch.addmm(xw, a, w_hh_t))  # a⟨t⟩ = tanh(W_a[a⟨t−1⟩, x⟨t⟩] + b_a)
        outs.append(a)
    return outs


def _rnn_relu_loop(xs: List[Tensor], a: Tensor, w_hh_t: Tensor) -> List[Tensor]:
    outs: List[Tensor] = []
    for xw in xs:
        a = torch.relu(torch.addmm(xw, a, w_hh_t))
        outs.append(a)
    return outs


def _gru_loop(xs: List[Tensor], a: Tensor, w_hh_t: Tensor, b_hh: Tensor) -> List[Tensor]:
    """cuDNN GRU: ``xs`` carry ``W_i· x + b_i·`` (+ ``b_hr``, ``b_hz``); ``b_hn`` stays inside Γr∗(.)."""
    H = a.shape[1]
    b_hn = b_hh[2 * H :]
    outs: List[Tensor] = []
    for xw in xs:
        hw = torch.mm(a, w_hh_t)  # (B, 3H)
        rz = torch.sigmoid(xw[:, : 2 * H] + hw[:, : 2 * H])  # Γr | z (= 1 − Γu)
        n = torch.tanh(torch.addcmul(xw[:, 2 * H :], rz[:, :H], hw[:, 2 * H :] + b_hn))
        a = torch.lerp(n, a, rz[:, H:])  # (1 − z)∗c̃ + z∗c⟨t−1⟩
        outs.append(a)
    return outs


def _gru_course_loop(xs: List[Tensor], a: Tensor, w_hh_t: Tensor) -> List[Tensor]:
    """Course GRU: ``c̃ = tanh(W_c[Γr∗c⟨t−1⟩, x⟨t⟩] + b_c)``; ``xs`` carry all the biases."""
    H = a.shape[1]
    w_rz_t = w_hh_t[:, : 2 * H]
    w_n_t = w_hh_t[:, 2 * H :]
    outs: List[Tensor] = []
    for xw in xs:
        rz = torch.sigmoid(torch.addmm(xw[:, : 2 * H], a, w_rz_t))  # Γr | z (= 1 − Γu)
        n = torch.tanh(torch.addmm(xw[:, 2 * H :], rz[:, :H] * a, w_n_t))  # c̃
        a = torch.lerp(n, a, rz[:, H:])  # Γu∗c̃ + (1 − Γu)∗c⟨t−1⟩
        outs.append(a)
    return outs


def _gru_simple_loop(xs: List[Tensor], a: Tensor, w_hh_t: Tensor) -> List[Tensor]:
    H = a.shape[1]
    outs: List[Tensor] = []
    for xw in xs:
        zn = torch.addmm(xw, a, w_hh_t)  # z | n pre-activations
        a = torch.lerp(torch.tanh(zn[:, H:]), a, torch.sigmoid(zn[:, :H]))
        outs.append(a)
    return outs


def _lstm_loop(xs: List[Tensor], a: Tensor, c: Tensor, w_hh_t: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
    H = a.shape[1]
    outs: List[Tensor] = []
    cs: List[Tensor] = []
    for xw in xs:
        gates = torch.addmm(xw, a, w_hh_t)  # (B, 4H) i|f|g|o
        s = torch.sigmoid(gates)  # Γu | Γf | (unused) | Γo
        c = torch.addcmul(s[:, H : 2 * H] * c, s[:, :H], torch.tanh(gates[:, 2 * H : 3 * H]))
        a = s[:, 3 * H :] * torch.tanh(c)  # a⟨t⟩ = Γo∗tanh(c⟨t⟩)
        outs.append(a)
        cs.append(c)
    return outs, cs


def _lstm_peephole_loop(
    xs: List[Tensor], a: Tensor, c: Tensor, w_hh_t: Tensor, peephole: Tensor
) -> Tuple[List[Tensor], List[Tensor]]:
    p_u, p_f, p_o = peephole[0], peephole[1], peephole[2]
    outs: List[Tensor] = []
    cs: List[Tensor] = []
    for xw in xs:
        gi, gf, gg, go = torch.addmm(xw, a, w_hh_t).chunk(4, 1)  # i|f|g|o
        u = torch.sigmoid(torch.addcmul(gi, p_u, c))  # Γu reads c⟨t−1⟩
        f = torch.sigmoid(torch.addcmul(gf, p_f, c))  # Γf reads c⟨t−1⟩
        c = torch.addcmul(f * c, u, torch.tanh(gg))  # c⟨t⟩ = Γf∗c⟨t−1⟩ + Γu∗c̃
        a = torch.sigmoid(torch.addcmul(go, p_o, c)) * torch.tanh(c)  # Γo reads c⟨t⟩
        outs.append(a)
        cs.append(c)
    return outs, cs


LOOPS: dict[str, Callable] = {
    "rnn-tanh": _rnn_tanh_loop,
    "rnn-relu": _rnn_relu_loop,
    "gru": _gru_loop,
    "gru-course": _gru_course_loop,
    "gru-simple": _gru_simple_loop,
    "lstm": _lstm_loop,
    "lstm-peephole": _lstm_peephole_loop,
}
"""The sequence loop of each kind (``rnn-<nonlinearity>`` for the basic RNN); a test checks that every
kind of :data:`~engine.recurrent.kinds.KINDS` has one. Loops take the hoisted projections ``xs``, the
state and ``W_hhᵀ``, plus ``b_hh`` where the kind keeps it inside a gate (``reset_after_product``) and
the peephole rows where it has them."""
_COMPILED: dict[str, Callable] = {}
USE_FUSED_PEEPHOLE = True
"""Run ``lstm-peephole`` as one autograd node with a hand-written backward
(:mod:`engine.recurrent.peephole_fused`) instead of autograd through the loop."""
USE_TORCHSCRIPT = False
"""Compile the loops with ``torch.jit.script`` when gradients are needed (training). Off:
measured on this project's CPU machine (torch 2.13, batch 32, hidden 256), TorchScript made
training 25-40 % slower than the plain loop (its differentiable-graph machinery costs more
than the Python it saves). ``torch.jit`` is also deprecated upstream."""
USE_TORCHSCRIPT_WITHOUT_GRAD = True
"""Compile the loops with ``torch.jit.script`` when no gradient is needed (generation,
traces): measured 25-35 % faster than the plain loop for a 500-step, batch-1 sequence."""


def _loop(name: str, need_grad: bool) -> Callable:
    if not (USE_TORCHSCRIPT if need_grad else USE_TORCHSCRIPT_WITHOUT_GRAD):
        return LOOPS[name]
    fn = _COMPILED.get(name)
    if fn is None:
        try:
            with warnings.catch_warnings():  # torch.jit is deprecated upstream but still the fastest here
                warnings.simplefilter("ignore")
                fn = torch.jit.script(LOOPS[name])
        except Exception:  # pragma: no cover - TorchScript missing or broken: same maths in Python
            fn = LOOPS[name]
        _COMPILED[name] = fn
    return fn


def run_sequence(
    kind: str,
    x: Tensor,
    state: State,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor,
    bias_hh: Tensor,
    peephole: Optional[Tensor] = None,
    nonlinearity: str = "tanh",
    *,
    reverse: bool = False,
) -> tuple[Tensor, Optional[Tensor], State]:
    """Run ``kind`` over ``x`` ``(B, T, n_x)`` from ``state``; ``reverse`` walks ``t = T..1``.

    Returns ``(a, c, final_state)``: ``a`` ``(B, T, H)`` and (LSTM kinds) ``c`` ``(B, T, H)``
    in original time order, and the state after the last step processed. Differentiable.
    """
    spec = kind_of(kind, field="kind")
    B, T, n_x = x.shape
    H = weight_hh.shape[1]
    tensors = [x, weight_ih, weight_hh, bias_ih, bias_hh, peephole, *(state if isinstance(state, tuple) else (state,))]
    need_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)
    if spec.reset_after_product:  # b_hn must stay inside Γr∗(W_hn a + b_hn)
        bias = bias_ih + torch.cat([bias_hh[: 2 * H], bias_hh.new_zeros(H)])
    else:
        bias = bias_ih + bias_hh
    xw = torch.addmm(bias, x.reshape(B * T, n_x), weight_ih.t()).view(B, T, -1)  # (B, T, k·H)
    xs = list(xw.unbind(1))
    if reverse:
        xs.reverse()
    w_hh_t = weight_hh.t()
    c_seq: Optional[Tensor] = None
    if spec.memory_cell:
        a0, c0 = state
        if spec.peephole and USE_FUSED_PEEPHOLE and need_grad:
            assert peephole is not None
            seq = xw.flip(1) if reverse else xw  # processing order
            a_seq, c_seq = peephole_lstm_sequence(seq, a0, c0, weight_hh, peephole)
            final_fused: State = (a_seq[:, -1], c_seq[:, -1])
            if reverse:
                a_seq, c_seq = a_seq.flip(1), c_seq.flip(1)
            return a_seq, c_seq, final_fused
        extra = (peephole,) if spec.peephole else ()
        outs, cs = _loop(kind, need_grad)(xs, a0, c0, w_hh_t, *extra)
        final: State = (outs[-1], cs[-1])
        if reverse:
            cs = cs[::-1]
        c_seq = torch.stack(cs, 1)
    else:
        name = f"rnn-{nonlinearity}" if spec.family == "rnn" else kind
        extra = (bias_hh,) if spec.reset_after_product else ()
        outs = _loop(name, need_grad)(xs, state, w_hh_t, *extra)
        final = outs[-1]
    if reverse:
        outs = outs[::-1]
    return torch.stack(outs, 1), c_seq, final
