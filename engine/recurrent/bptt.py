"""Backpropagation through time by hand: the course's backward equations for RNN and LSTM.

Shapes are batch-first rows (``x`` ``(B, T, n_x)``, ``a`` ``(B, T, n_a)``); the course's
column layout ``(n_a, m, T_x)`` is the transpose. Parameters are the course view of
:meth:`engine.recurrent.cells.RecurrentCell.course_parameters`: every ``W_*`` multiplies the
stacked ``[a⟨t−1⟩ ; x⟨t⟩]``, so its first ``n_a`` columns are ``W_*a`` and the rest ``W_*x``.

Basic RNN cell, ``a⟨t⟩ = tanh(z)``, ``z = W_a[a⟨t−1⟩, x⟨t⟩] + b_a``::

    dz        = da⟨t⟩ ∗ (1 − a⟨t⟩²)               (relu: da⟨t⟩ ∗ [z > 0])
    dW_a     += dz · [a⟨t−1⟩, x⟨t⟩]ᵀ ;  db_a += Σ_batch dz
    [da_prev, dx⟨t⟩] = W_aᵀ · dz

LSTM cell (Γu = input gate, c̃ candidate, a = Γo ∗ tanh(c))::

    dΓo  = da⟨t⟩ ∗ tanh(c⟨t⟩) ∗ Γo(1 − Γo)                     (w.r.t. Γo's pre-activation)
    dc   = dc⟨t⟩ + da⟨t⟩ ∗ Γo ∗ (1 − tanh²(c⟨t⟩))
    dc̃   = dc ∗ Γu ∗ (1 − c̃²) ;  dΓu = dc ∗ c̃ ∗ Γu(1 − Γu) ;  dΓf = dc ∗ c⟨t−1⟩ ∗ Γf(1 − Γf)
    dW_k += dΓk · [a⟨t−1⟩, x⟨t⟩]ᵀ ;  db_k += Σ_batch dΓk       for k in u, f, o, c
    [da_prev, dx⟨t⟩] = W_uᵀdΓu + W_fᵀdΓf + W_oᵀdΓo + W_cᵀdc̃ ;  dc_prev = dc ∗ Γf

Over a sequence the gradient reaching ``a⟨t⟩`` is the upstream ``da⟨t⟩`` (from ŷ⟨t⟩) plus
``da_prev`` from step ``t+1``; that total, ``∂L/∂a⟨t⟩``, is what vanishes or explodes.
Everything runs without autograd (checked against it in the tests to 1e-8 in float64).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from engine.errors import InputError

RNN_KEYS = ("W_a", "b_a")
LSTM_KEYS = ("W_u", "b_u", "W_f", "b_f", "W_o", "b_o", "W_c", "b_c")


@dataclass(frozen=True)
class ForwardCache:
    """What the backward pass needs from the forward pass (course: ``caches``)."""

    kind: str
    """``rnn`` or ``lstm``."""
    params: dict[str, Tensor]
    """The course parameters used (``W_a b_a`` or ``W_u b_u W_f b_f W_o b_o W_c b_c``)."""
    x: Tensor
    """``(B, T, n_x)`` inputs ``x⟨t⟩``."""
    a0: Tensor
    """``(B, n_a)`` initial state ``a⟨0⟩``."""
    a: Tensor
    """``(B, T, n_a)`` states ``a⟨t⟩``."""
    c0: Tensor | None = None
    """``(B, n_a)`` initial memory cell (LSTM)."""
    c: Tensor | None = None
    """``(B, T, n_a)`` memory cells ``c⟨t⟩`` (LSTM)."""
    gates: dict[str, Tensor] = field(default_factory=dict)
    """LSTM: ``update``, ``forget``, ``output``, ``candidate`` ``(B, T, n_a)``; rnn: ``z`` pre-activation."""
    nonlinearity: str = "tanh"


@dataclass(frozen=True)
class BPTTResult:
    """Gradients of a whole sequence, totals and per step.

    ``grads`` has one entry per course parameter, ``d`` + its name (``dW_a``, ``db_u``, ...),
    summed over time and batch. ``da[:, t]`` is the total ``∂L/∂a⟨t+1⟩`` (upstream plus what
    flows back from later steps); ``da_norm[t]`` its norm over batch and units; likewise
    ``dc`` for the LSTM. ``step_grad_norms[name][t]`` is the norm of step ``t``'s
    contribution to ``grads[name]``; ``step_grads`` (when asked for) holds the contributions.
    """

    dx: Tensor
    """``(B, T, n_x)`` ``∂L/∂x⟨t⟩``."""
    da0: Tensor
    """``(B, n_a)`` ``∂L/∂a⟨0⟩``."""
    grads: dict[str, Tensor]
    """``dW_*``, ``db_*`` summed over the sequence."""
    da: Tensor
    """``(B, T, n_a)`` total ``∂L/∂a⟨t⟩`` per step."""
    da_norm: Tensor
    """``(T,)`` ``‖∂L/∂a⟨t⟩‖`` per step."""
    step_grad_norms: dict[str, Tensor]
    """name → ``(T,)`` norms of each step's contribution to ``grads[name]``."""
    dc0: Tensor | None = None
    """``(B, n_a)`` ``∂L/∂c⟨0⟩`` (LSTM)."""
    dc: Tensor | None = None
    """``(B, T, n_a)`` total ``∂L/∂c⟨t⟩`` per step (LSTM)."""
    dc_norm: Tensor | None = None
    """``(T,)`` ``‖∂L/∂c⟨t⟩‖`` per step (LSTM)."""
    step_grads: dict[str, Tensor] | None = None
    """name → ``(T, *shape)`` per-step contributions (only with ``keep_step_grads=True``)."""


def _check(params: dict[str, Tensor], keys: tuple[str, ...], x: Tensor, a0: Tensor) -> None:
    missing = [k for k in keys if k not in params]
    if missing:
        raise InputError(f"parameters lack {', '.join(missing)}; pass cell.course_parameters() of the right kind")
    if x.dim() != 3:
        raise InputError(f"x must have shape (batch, time, n_x), got {tuple(x.shape)}")
    n_a = params[keys[0]].shape[0]
    want = (n_a + x.shape[2])
    if params[keys[0]].shape[1] != want or tuple(a0.shape) != (x.shape[0], n_a):
        raise InputError(
            f"shapes do not fit: W {tuple(params[keys[0]].shape)}, x {tuple(x.shape)}, a0 {tuple(a0.shape)};"
            f" W must be (n_a, n_a + n_x) and a0 (batch, n_a)"
        )


# ------------------------------------------------------------------ basic RNN


@torch.no_grad()
def rnn_forward(x: Tensor, a0: Tensor, params: dict[str, Tensor], nonlinearity: str = "tanh") -> tuple[Tensor, ForwardCache]:
    """``a⟨t⟩ = g(W_a[a⟨t−1⟩, x⟨t⟩] + b_a)`` for every step; returns ``a`` ``(B, T, n_a)`` and the cache."""
    _check(params, RNN_KEYS, x, a0)
    if nonlinearity not in ("tanh", "relu"):
        raise InputError(f"nonlinearity must be one of tanh, relu, got {nonlinearity!r}")
    P = {k: params[k].detach() for k in RNN_KEYS}
    a_prev, states, pres = a0, [], []
    for t in range(x.shape[1]):
        z = torch.cat([a_prev, x[:, t]], 1) @ P["W_a"].T + P["b_a"]  # (B, n_a)
        a_prev = torch.tanh(z) if nonlinearity == "tanh" else torch.relu(z)
        states.append(a_prev)
        pres.append(z)
    a = torch.stack(states, 1)
    return a, ForwardCache("rnn", P, x, a0, a, gates={"z": torch.stack(pres, 1)}, nonlinearity=nonlinearity)


@torch.no_grad()
def rnn_backward(da: Tensor, cache: ForwardCache, *, keep_step_grads: bool = False) -> BPTTResult:
    """BPTT for the basic RNN. ``da`` ``(B, T, n_a)`` is the upstream ``∂L/∂a⟨t⟩`` from the outputs."""
    if cache.kind != "rnn":
        raise InputError(f"rnn_backward needs an rnn forward cache, got {cache.kind!r}")
    x, a, P = cache.x, cache.a, cache.params
    B, T, n_x = x.shape
    n_a = a.shape[2]
    W_a = P["W_a"]
    dW_a, db_a = torch.zeros_like(W_a), torch.zeros_like(P["b_a"])
    dx, da_total = torch.zeros_like(x), torch.zeros_like(a)
    norms: dict[str, list[Tensor]] = {"dW_a": [], "db_a": []}
    steps: dict[str, list[Tensor]] = {"dW_a": [], "db_a": []}
    da_prev = torch.zeros_like(cache.a0)
    for t in reversed(range(T)):
        da_t = da[:, t] + da_prev  # total ∂L/∂a⟨t⟩
        da_total[:, t] = da_t
        a_prev = cache.a0 if t == 0 else a[:, t - 1]
        if cache.nonlinearity == "tanh":
            dz = da_t * (1.0 - a[:, t] ** 2)
        else:
            dz = da_t * (cache.gates["z"][:, t] > 0).to(da_t.dtype)
        concat = torch.cat([a_prev, x[:, t]], 1)  # (B, n_a + n_x)
        dW_t, db_t = dz.T @ concat, dz.sum(0)
        dW_a += dW_t
        db_a += db_t
        d_concat = dz @ W_a  # (B, n_a + n_x)
        da_prev, dx[:, t] = d_concat[:, :n_a], d_concat[:, n_a:]
        for name, g in (("dW_a", dW_t), ("db_a", db_t)):
            norms[name].append(g.norm())
            if keep_step_grads:
                steps[name].append(g)
    return BPTTResult(
        dx=dx, da0=da_prev, grads={"dW_a": dW_a, "db_a": db_a}, da=da_total,
        da_norm=da_total.flatten(2).transpose(0, 1).reshape(T, -1).norm(dim=1),
        step_grad_norms={k: torch.stack(v[::-1]) for k, v in norms.items()},
        step_grads={k: torch.stack(v[::-1]) for k, v in steps.items()} if keep_step_grads else None,
    )


# ------------------------------------------------------------------ LSTM


@torch.no_grad()
def lstm_forward(x: Tensor, a0: Tensor, c0: Tensor, params: dict[str, Tensor]) -> tuple[Tensor, ForwardCache]:
    """The LSTM over a sequence (``a = Γo ∗ tanh(c)``); returns ``a`` ``(B, T, n_a)`` and the cache."""
    _check(params, LSTM_KEYS, x, a0)
    P = {k: params[k].detach() for k in LSTM_KEYS}
    a_prev, c_prev = a0, c0
    out: dict[str, list[Tensor]] = {k: [] for k in ("a", "c", "update", "forget", "output", "candidate")}
    for t in range(x.shape[1]):
        concat = torch.cat([a_prev, x[:, t]], 1)
        u = torch.sigmoid(concat @ P["W_u"].T + P["b_u"])
        f = torch.sigmoid(concat @ P["W_f"].T + P["b_f"])
        o = torch.sigmoid(concat @ P["W_o"].T + P["b_o"])
        c_tilde = torch.tanh(concat @ P["W_c"].T + P["b_c"])
        c_prev = u * c_tilde + f * c_prev
        a_prev = o * torch.tanh(c_prev)
        for k, v in (("a", a_prev), ("c", c_prev), ("update", u), ("forget", f), ("output", o), ("candidate", c_tilde)):
            out[k].append(v)
    S = {k: torch.stack(v, 1) for k, v in out.items()}
    a, c = S.pop("a"), S.pop("c")
    return a, ForwardCache("lstm", P, x, a0, a, c0=c0, c=c, gates=S)


@torch.no_grad()
def lstm_backward(
    da: Tensor, cache: ForwardCache, *, dc_last: Tensor | None = None, keep_step_grads: bool = False
) -> BPTTResult:
    """BPTT for the LSTM. ``da`` ``(B, T, n_a)`` is the upstream ``∂L/∂a⟨t⟩``; ``dc_last`` an
    optional ``∂L/∂c⟨T⟩`` from beyond the sequence."""
    if cache.kind != "lstm":
        raise InputError(f"lstm_backward needs an lstm forward cache, got {cache.kind!r}")
    x, a, c, P, G = cache.x, cache.a, cache.c, cache.params, cache.gates
    assert c is not None and cache.c0 is not None
    B, T, n_x = x.shape
    n_a = a.shape[2]
    grads = {"d" + k: torch.zeros_like(P[k]) for k in LSTM_KEYS}
    names = list(grads)
    norms: dict[str, list[Tensor]] = {k: [] for k in names}
    steps: dict[str, list[Tensor]] = {k: [] for k in names}
    dx, da_total, dc_total = torch.zeros_like(x), torch.zeros_like(a), torch.zeros_like(c)
    da_prev = torch.zeros_like(cache.a0)
    dc_prev = torch.zeros_like(cache.c0) if dc_last is None else dc_last
    for t in reversed(range(T)):
        da_t = da[:, t] + da_prev
        a_prev = cache.a0 if t == 0 else a[:, t - 1]
        c_prev = cache.c0 if t == 0 else c[:, t - 1]
        u, f, o, c_tilde = G["update"][:, t], G["forget"][:, t], G["output"][:, t], G["candidate"][:, t]
        tanh_c = torch.tanh(c[:, t])
        dc_t = dc_prev + da_t * o * (1.0 - tanh_c**2)  # total ∂L/∂c⟨t⟩
        da_total[:, t], dc_total[:, t] = da_t, dc_t
        d_pre = {  # gradients w.r.t. each gate's pre-activation
            "o": da_t * tanh_c * o * (1.0 - o),
            "c": dc_t * u * (1.0 - c_tilde**2),
            "u": dc_t * c_tilde * u * (1.0 - u),
            "f": dc_t * c_prev * f * (1.0 - f),
        }
        concat = torch.cat([a_prev, x[:, t]], 1)
        d_concat = torch.zeros_like(concat)
        for k, dk in d_pre.items():
            dW_t, db_t = dk.T @ concat, dk.sum(0)
            grads[f"dW_{k}"] += dW_t
            grads[f"db_{k}"] += db_t
            d_concat += dk @ P[f"W_{k}"]
            for name, g in ((f"dW_{k}", dW_t), (f"db_{k}", db_t)):
                norms[name].append(g.norm())
                if keep_step_grads:
                    steps[name].append(g)
        da_prev, dx[:, t] = d_concat[:, :n_a], d_concat[:, n_a:]
        dc_prev = dc_t * f
    per_step_norm = lambda g: g.transpose(0, 1).reshape(T, -1).norm(dim=1)  # noqa: E731
    return BPTTResult(
        dx=dx, da0=da_prev, dc0=dc_prev, grads=grads, da=da_total, dc=dc_total,
        da_norm=per_step_norm(da_total), dc_norm=per_step_norm(dc_total),
        step_grad_norms={k: torch.stack(v[::-1]) for k, v in norms.items()},
        step_grads={k: torch.stack(v[::-1]) for k, v in steps.items()} if keep_step_grads else None,
    )


# ------------------------------------------------------------------ helpers


@torch.no_grad()
def softmax_output_da(logits: Tensor, targets: Tensor, W_y: Tensor, *, reduction: str = "mean") -> Tensor:
    """Upstream ``∂L/∂a⟨t⟩`` of a softmax output ``ŷ⟨t⟩ = softmax(W_y a⟨t⟩ + b_y)`` with cross-entropy.

    ``dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩`` (one-hot), ``da⟨t⟩ = W_yᵀ dz⟨t⟩``. ``logits`` ``(B, T, n_y)``,
    ``targets`` ``(B, T)`` indices, ``W_y`` ``(n_y, n_a)``. ``reduction='mean'`` divides by ``B·T``
    (as ``torch.nn.functional.cross_entropy``), ``'sum'`` does not.
    """
    if reduction not in ("mean", "sum"):
        raise InputError(f"reduction must be one of mean, sum, got {reduction!r}")
    dz = torch.softmax(logits, dim=-1)
    dz.scatter_add_(-1, targets.unsqueeze(-1), -torch.ones_like(dz[..., :1]))
    if reduction == "mean":
        dz /= targets.numel()
    return dz @ W_y  # (B, T, n_a)


def backward_through_time(
    cell, x: Tensor, da: Tensor, state0=None, *, keep_step_grads: bool = False
) -> BPTTResult:
    """Forward and hand-written backward for an ``rnn`` or ``lstm`` :class:`RecurrentCell`.

    ``x`` ``(B, T, n_x)``, upstream ``da`` ``(B, T, n_a)``; ``state0`` is ``a⟨0⟩`` or
    ``(a⟨0⟩, c⟨0⟩)`` (zeros when None). Uses ``cell.course_parameters()``.
    """
    B, H = x.shape[0], cell.hidden_size
    if cell.kind == "rnn":
        a0 = x.new_zeros(B, H) if state0 is None else state0
        _, cache = rnn_forward(x, a0, cell.course_parameters(), cell.nonlinearity)
        return rnn_backward(da, cache, keep_step_grads=keep_step_grads)
    if cell.kind == "lstm":
        a0, c0 = (x.new_zeros(B, H), x.new_zeros(B, H)) if state0 is None else state0
        _, cache = lstm_forward(x, a0, c0, cell.course_parameters())
        return lstm_backward(da, cache, keep_step_grads=keep_step_grads)
    raise InputError(f"hand-written BPTT covers the 'rnn' and 'lstm' cells, got {cell.kind!r}; use autograd for the others")
