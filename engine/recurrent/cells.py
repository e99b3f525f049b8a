"""Recurrent cells in the course's notation, weights in PyTorch's fused layout.

The kinds, and everything about them that is not arithmetic (chunks, gates, equations, notes),
are the table :data:`engine.recurrent.kinds.KINDS`. Every cell stores ``weight_ih`` ``(k·H, n_x)``,
``weight_hh`` ``(k·H, H)``, ``bias_ih`` ``(k·H,)``, ``bias_hh`` ``(k·H,)`` with the chunk order of
``torch.nn`` (LSTM ``i|f|g|o``, GRU ``r|z|n``; the simplified GRU has two chunks ``z|n``), so a
cell and ``torch.nn.RNNCell/GRUCell/LSTMCell`` share one state dict. The course notation is a
*view*: :meth:`RecurrentCell.course_parameters` returns ``W_a = [W_aa ⋮ W_ax]`` style matrices
that multiply the stacked ``[a⟨t−1⟩ ; x⟨t⟩]`` (the kind's ``course_view``).

One step of each kind is one function in :data:`STEPS`. GRU convention (all three GRU kinds):
PyTorch's update chunk ``z`` is ``1 − Γu`` and the update is
``a⟨t⟩ = (1 − z)∗c̃ + z∗a⟨t−1⟩ = Γu∗c̃ + (1 − Γu)∗a⟨t−1⟩``. Hence the course view
``W_u = −[W_hz ⋮ W_iz]``, ``b_u = −(b_iz + b_hz)``. Traces always report Γu in the course sense.

Gate traces use ``GATE_NAMES`` everywhere: ``update`` (Γu), ``forget`` (Γf), ``output``
(Γo), ``relevance`` (Γr), ``candidate`` (c̃).
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Union

import torch
from torch import Tensor

from engine.errors import InputError
from engine.recurrent.kinds import CELL_KINDS, FUSED_KINDS, GATE_NAMES, CellKind, kind_of

NONLINEARITIES: tuple[str, ...] = ("tanh", "relu")

State = Union[Tensor, tuple[Tensor, Tensor]]
Gates = dict[str, Tensor]


# ---------------------------------------------------------------- validation


def check_kind(kind: object) -> str:
    """Return ``kind`` if it is one of ``CELL_KINDS``, else raise :class:`InputError`."""
    return kind_of(kind, field="kind").name


def check_positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int > 0, else raise :class:`InputError` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(f"{name} must be a positive integer, got {value!r}", field=name)
    return value


def check_nonlinearity(kind: str, nonlinearity: object) -> str:
    """``tanh`` or ``relu`` for ``rnn``; only ``tanh`` for the gated kinds."""
    if nonlinearity not in NONLINEARITIES:
        raise InputError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {nonlinearity!r}",
                         field="nonlinearity")
    if kind_of(kind, field="kind").family != "rnn" and nonlinearity != "tanh":
        raise InputError(f"nonlinearity {nonlinearity!r} only applies to the 'rnn' cell; use 'tanh' for {kind!r}",
                         field="nonlinearity")
    return nonlinearity  # type: ignore[return-value]


# ---------------------------------------------------------------- one step of each kind
# Each takes the input projection ``xw = W_ih x⟨t⟩ + b_ih`` (B, k·H) and the state, and returns the
# new state and (when ``record``) the gates of this step in the course's sense.


def _rnn_step(xw: Tensor, a: Tensor, weight_hh: Tensor, bias_hh: Tensor, peephole: Optional[Tensor],
              nonlinearity: str, record: bool) -> tuple[State, Gates]:
    pre = torch.addmm(xw + bias_hh, a, weight_hh.t())  # W_a[a⟨t−1⟩, x⟨t⟩] + b_a, (B, H)
    return (torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)), {}


def _lstm_step(xw: Tensor, state: tuple[Tensor, Tensor], weight_hh: Tensor, bias_hh: Tensor,
               peephole: Optional[Tensor], nonlinearity: str, record: bool) -> tuple[State, Gates]:
    a, c = state
    gates = torch.addmm(xw + bias_hh, a, weight_hh.t())  # (B, 4H) i|f|g|o
    i, f, g, o = gates.chunk(4, dim=1)
    if peephole is not None:
        i = i + peephole[0] * c  # p_u ∗ c⟨t−1⟩
        f = f + peephole[1] * c  # p_f ∗ c⟨t−1⟩
    gamma_u = torch.sigmoid(i)  # update (input) gate Γu
    gamma_f = torch.sigmoid(f)  # forget gate Γf
    c_tilde = torch.tanh(g)  # candidate c̃⟨t⟩
    c_new = gamma_f * c + gamma_u * c_tilde  # c⟨t⟩ = Γu∗c̃ + Γf∗c⟨t−1⟩
    if peephole is not None:
        o = o + peephole[2] * c_new  # p_o ∗ c⟨t⟩
    gamma_o = torch.sigmoid(o)  # output gate Γo
    a_new = gamma_o * torch.tanh(c_new)  # a⟨t⟩ = Γo∗tanh(c⟨t⟩)
    rec = {"update": gamma_u, "forget": gamma_f, "output": gamma_o, "candidate": c_tilde} if record else {}
    return (a_new, c_new), rec


def _gru_update(a: Tensor, z: Tensor, n: Tensor, r: Optional[Tensor], record: bool) -> tuple[State, Gates]:
    """Every GRU's last line: ``(1 − z)∗c̃ + z∗c⟨t−1⟩ = Γu∗c̃ + (1 − Γu)∗c⟨t−1⟩``."""
    a_new = n + z * (a - n)
    if not record:
        return a_new, {}
    rec = {"update": 1.0 - z, "candidate": n}
    if r is not None:
        rec["relevance"] = r
    return a_new, rec


def _gru_step(xw: Tensor, a: Tensor, weight_hh: Tensor, bias_hh: Tensor, peephole: Optional[Tensor],
              nonlinearity: str, record: bool) -> tuple[State, Gates]:
    hw = torch.addmm(bias_hh, a, weight_hh.t())  # (B, 3H) r|z|n
    x_r, x_z, x_n = xw.chunk(3, dim=1)
    h_r, h_z, h_n = hw.chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)  # relevance Γr
    z = torch.sigmoid(x_z + h_z)  # z = 1 − Γu
    n = torch.tanh(x_n + r * h_n)  # candidate: reset after the product
    return _gru_update(a, z, n, r, record)


def _gru_course_step(xw: Tensor, a: Tensor, weight_hh: Tensor, bias_hh: Tensor, peephole: Optional[Tensor],
                     nonlinearity: str, record: bool) -> tuple[State, Gates]:
    H = a.shape[1]
    hw = torch.addmm(bias_hh[: 2 * H], a, weight_hh[: 2 * H].t())  # (B, 2H) r|z
    x_r, x_z, x_n = xw.chunk(3, dim=1)
    h_r, h_z = hw.chunk(2, dim=1)
    r = torch.sigmoid(x_r + h_r)  # relevance Γr
    z = torch.sigmoid(x_z + h_z)  # z = 1 − Γu
    n = torch.tanh(torch.addmm(x_n + bias_hh[2 * H :], r * a, weight_hh[2 * H :].t()))  # W_c[Γr∗c, x]
    return _gru_update(a, z, n, r, record)


def _gru_simple_step(xw: Tensor, a: Tensor, weight_hh: Tensor, bias_hh: Tensor, peephole: Optional[Tensor],
                     nonlinearity: str, record: bool) -> tuple[State, Gates]:
    pre_z, pre_n = torch.addmm(xw + bias_hh, a, weight_hh.t()).chunk(2, dim=1)  # (B, 2H) z|n
    return _gru_update(a, torch.sigmoid(pre_z), torch.tanh(pre_n), None, record)  # z = 1 − Γu, c̃


StepFunction = Callable[..., tuple[State, Gates]]
STEPS: dict[str, StepFunction] = {
    "rnn": _rnn_step,
    "gru": _gru_step,
    "gru-course": _gru_course_step,
    "gru-simple": _gru_simple_step,
    "lstm": _lstm_step,
    "lstm-peephole": _lstm_step,  # the peephole rows, when given, are read inside
}
"""One step of each kind in :data:`~engine.recurrent.kinds.KINDS` (a test checks that none is missing)."""


def cell_step(
    kind: str,
    xw: Tensor,
    state: State,
    weight_hh: Tensor,
    bias_hh: Tensor,
    peephole: Tensor | None = None,
    nonlinearity: str = "tanh",
    record: bool = True,
) -> tuple[State, dict[str, Tensor]]:
    """Advance one step given the input projection ``xw = W_ih x⟨t⟩ + b_ih`` ``(B, k·H)``.

    ``state`` is ``a⟨t−1⟩`` ``(B, H)``, or ``(a⟨t−1⟩, c⟨t−1⟩)`` for the LSTM kinds. Returns the
    new state and, when ``record``, the gates of this step in the course's sense (else ``{}``).
    Shared by :class:`RecurrentCell` and the sequence loops of :mod:`engine.recurrent.layers`.
    """
    return STEPS[check_kind(kind)](xw, state, weight_hh, bias_hh, peephole, nonlinearity, record)


def zero_state(kind: str, batch: int, hidden: int, like: Tensor) -> State:
    """The zero initial state for ``kind``: ``a⟨0⟩`` or ``(a⟨0⟩, c⟨0⟩)``."""
    a0 = like.new_zeros(batch, hidden)
    return (a0, a0.clone()) if kind_of(kind, field="kind").memory_cell else a0


# ---------------------------------------------------------------- the cell module


class RecurrentCell(torch.nn.Module):
    """One recurrent cell of any ``CELL_KINDS`` kind, stepping ``x⟨t⟩, a⟨t−1⟩ → a⟨t⟩``.

    The maths of each kind is in ``KINDS[kind].equations`` (also ``self.equations``), in the
    course's notation; ``self.variant_note`` says in one line how the variant differs.

    - ``rnn``: ``a⟨t⟩ = g(W_a[a⟨t−1⟩, x⟨t⟩] + b_a)``, g = tanh or relu.
    - ``gru`` (PyTorch/cuDNN): ``Γr = σ(..)``, ``c̃ = tanh(W_in x + b_in + Γr∗(W_hn a + b_hn))``,
      PyTorch's ``z = 1 − Γu``. No exact course form: course_parameters() uses PyTorch's names.
    - ``gru-course``: ``Γu = σ(W_u[c⟨t−1⟩, x⟨t⟩] + b_u)``, ``Γr = σ(W_r[c⟨t−1⟩, x⟨t⟩] + b_r)``,
      ``c̃ = tanh(W_c[Γr∗c⟨t−1⟩, x⟨t⟩] + b_c)``, ``c⟨t⟩ = Γu∗c̃ + (1−Γu)∗c⟨t−1⟩``, ``a = c``.
    - ``gru-simple``: as ``gru-course`` without Γr (two chunks ``z|n``).
    - ``lstm``: ``Γu, Γf, Γo = σ(W_{u,f,o}[a⟨t−1⟩, x⟨t⟩] + b_{u,f,o})``,
      ``c̃ = tanh(W_c[a⟨t−1⟩, x⟨t⟩] + b_c)``, ``c⟨t⟩ = Γu∗c̃ + Γf∗c⟨t−1⟩``,
      ``a⟨t⟩ = Γo∗tanh(c⟨t⟩)``. The lecture slide writes ``a = Γo∗c``; the course's own backward
      pass and PyTorch keep the tanh, and so do we.
    - ``lstm-peephole``: Γu, Γf also read ``p_u∗c⟨t−1⟩``, ``p_f∗c⟨t−1⟩``; Γo reads ``p_o∗c⟨t⟩``.
      ``peephole`` is ``(3, H)``, rows ``p_u|p_f|p_o``.

    ``forward(x_t, state)`` takes ``x_t`` ``(B, n_x)`` and ``state`` = ``a`` ``(B, H)`` (or
    ``(a, c)`` for LSTMs; ``None`` means zeros) and returns ``(new_state, gates)`` where
    ``gates`` maps the kind's ``self.gates`` names to ``(B, H)`` tensors.
    """

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        *,
        nonlinearity: str = "tanh",
        parameters: dict[str, torch.nn.Parameter] | None = None,
    ) -> None:
        super().__init__()
        self.spec: CellKind = kind_of(kind, field="kind")
        self.kind = self.spec.name
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.nonlinearity = check_nonlinearity(kind, nonlinearity)
        self.has_memory_cell = self.spec.memory_cell
        self.gates = self.spec.gates
        self.variant_note = self.spec.note
        self.equations = self.spec.equations
        k, H = self.spec.n_chunks, hidden_size
        if parameters is None:  # fresh weights, torch.nn's init: U(−1/√H, 1/√H)
            bound = 1.0 / math.sqrt(H)
            parameters = {
                "weight_ih": torch.nn.Parameter(torch.empty(k * H, input_size).uniform_(-bound, bound)),
                "weight_hh": torch.nn.Parameter(torch.empty(k * H, H).uniform_(-bound, bound)),
                "bias_ih": torch.nn.Parameter(torch.empty(k * H).uniform_(-bound, bound)),
                "bias_hh": torch.nn.Parameter(torch.empty(k * H).uniform_(-bound, bound)),
            }
            if self.spec.peephole:
                parameters["peephole"] = torch.nn.Parameter(torch.empty(3, H).uniform_(-bound, bound))
        # Shared Parameter objects (a view of a Recurrent layer) or fresh ones: never copies.
        self.weight_ih = parameters["weight_ih"]
        self.weight_hh = parameters["weight_hh"]
        self.bias_ih = parameters["bias_ih"]
        self.bias_hh = parameters["bias_hh"]
        self.peephole = parameters.get("peephole") if self.spec.peephole else None

    def extra_repr(self) -> str:
        return f"{self.kind!r}, {self.input_size}, {self.hidden_size}"

    def initial_state(self, batch: int, like: Tensor | None = None) -> State:
        """Zeros: ``a⟨0⟩`` ``(batch, H)``, or ``(a⟨0⟩, c⟨0⟩)`` for LSTMs."""
        return zero_state(self.kind, batch, self.hidden_size, self.weight_hh if like is None else like)

    def forward(self, x_t: Tensor, state: State | None = None) -> tuple[State, dict[str, Tensor]]:
        if x_t.dim() != 2 or x_t.shape[1] != self.input_size:
            raise InputError(
                f"cell input must have shape (batch, {self.input_size}), got {tuple(x_t.shape)}"
            )
        if state is None:
            state = self.initial_state(x_t.shape[0], x_t)
        want = (x_t.shape[0], self.hidden_size)
        parts = state if isinstance(state, (tuple, list)) else (state,)
        if len(parts) != (2 if self.has_memory_cell else 1) or any(tuple(p.shape) != want for p in parts):
            what = f"a pair (a, c), each of shape {want}" if self.has_memory_cell else f"one tensor a of shape {want}"
            raise InputError(f"state for the {self.kind!r} cell must be {what}")
        xw = torch.addmm(self.bias_ih, x_t, self.weight_ih.t())  # (B, k·H)
        return STEPS[self.kind](xw, state, self.weight_hh, self.bias_hh, self.peephole, self.nonlinearity, True)

    def course_parameters(self) -> dict[str, Tensor]:
        """The course's view: every ``W_*`` multiplies the stacked ``[a⟨t−1⟩ ; x⟨t⟩]``.

        The blocks are the kind's ``course_view``: ``rnn``: ``W_a b_a``. ``gru-course``:
        ``W_u b_u W_r b_r W_c b_c``. ``gru-simple``: ``W_u b_u W_c b_c``. ``lstm``:
        ``W_u b_u W_f b_f W_o b_o W_c b_c`` (+ ``p_u p_f p_o`` for ``lstm-peephole``). ``gru`` has no
        exact course form: PyTorch's per-chunk names ``W_ir W_iz W_in W_hr W_hz W_hn b_ir … b_hn``.
        The tensors are computed from the fused parameters (differentiable, not stored).
        """
        H = self.hidden_size
        w_ih, w_hh, b_ih, b_hh = self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh
        out: dict[str, Tensor] = {}
        if self.spec.course_view is None:  # PyTorch's names, chunk by chunk
            for j, g in enumerate(self.spec.chunks):
                rows = slice(j * H, (j + 1) * H)
                out[f"W_i{g}"], out[f"W_h{g}"] = w_ih[rows], w_hh[rows]
                out[f"b_i{g}"], out[f"b_h{g}"] = b_ih[rows], b_hh[rows]
            return out
        for block in self.spec.course_view:
            rows = slice(block.chunk * H, (block.chunk + 1) * H)
            W = torch.cat([w_hh[rows], w_ih[rows]], dim=1)  # [W_a· ⋮ W_x·]
            b = b_ih[rows] + b_hh[rows]
            if block.sign != 1.0:  # Γu = 1 − z = σ(−pre_z)
                W, b = block.sign * W, block.sign * b
            out[f"W_{block.name}"], out[f"b_{block.name}"] = W, b
        if self.peephole is not None:
            out.update(p_u=self.peephole[0], p_f=self.peephole[1], p_o=self.peephole[2])
        return out


def make_cell(kind: str, input_size: int, hidden_size: int, *, nonlinearity: str = "tanh") -> RecurrentCell:
    """A fresh :class:`RecurrentCell` of ``kind`` (one of ``CELL_KINDS``)."""
    return RecurrentCell(kind, input_size, hidden_size, nonlinearity=nonlinearity)


__all__ = ["CELL_KINDS", "FUSED_KINDS", "GATE_NAMES", "NONLINEARITIES", "STEPS", "RecurrentCell", "State",
           "cell_step", "check_kind", "check_nonlinearity", "check_positive_int", "make_cell", "zero_state"]
