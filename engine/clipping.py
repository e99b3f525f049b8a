"""Gradient clipping, two ways the training loop can choose between.

- by value, the course's ``clip(g, −N, N)``: every gradient entry is clamped to ``[−N, N]``
  (cheap; changes the gradient's direction when some entries are clipped);
- by global norm: when ``‖g‖₂`` over all gradients exceeds ``max_norm``, every gradient is
  scaled by ``max_norm / ‖g‖₂`` (keeps the direction; what ``torch.nn.utils.clip_grad_norm_``
  does).

Both work in place and accept parameters (their ``.grad`` is clipped; parameters without a
gradient are skipped), bare gradient tensors, or a dict of them (the course's ``gradients``
dict: ``{"dWaa": ..., "dba": ...}``). Both return a :class:`ClipResult`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Union

import torch
from torch import Tensor

from engine.errors import InputError

Grads = Union[Tensor, Iterable[Tensor], Mapping[str, Tensor]]


class ClipResult(NamedTuple):
    """``(norm_before, norm_after, clipped)``: global L2 norms and whether anything changed."""

    norm_before: float
    norm_after: float
    clipped: bool


def _grads(params_or_grads: Grads) -> list[Tensor]:
    if isinstance(params_or_grads, Tensor):
        items: Iterable[Tensor] = [params_or_grads]
    elif isinstance(params_or_grads, Mapping):
        items = params_or_grads.values()
    else:
        items = params_or_grads
    out = []
    for t in items:
        if isinstance(t, torch.nn.Parameter) or (t.requires_grad and t.is_leaf):
            if t.grad is not None:
                out.append(t.grad)
        else:
            out.append(t)
    return out


def _norm(grads: list[Tensor]) -> float:
    if not grads:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.detach().double()) for g in grads])))


def _check_positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise InputError(f"{name} must be a positive number, got {value!r}")
    return float(value)


@torch.no_grad()
def clip_by_value(params_or_grads: Grads, max_value: float) -> ClipResult:
    """The course's ``clip(g, −N, N)`` on every gradient, in place (``N = max_value > 0``).

    ``clipped`` says whether any entry lay outside ``[−N, N]``.
    """
    N = _check_positive("max_value", max_value)
    grads = _grads(params_or_grads)
    before = _norm(grads)
    clipped = False
    for g in grads:
        if bool((g.abs() > N).any()):
            clipped = True
            g.clamp_(-N, N)
    return ClipResult(before, _norm(grads) if clipped else before, clipped)


@torch.no_grad()
def clip_by_norm(params_or_grads: Grads, max_norm: float) -> ClipResult:
    """Scale all gradients by ``max_norm / ‖g‖₂`` when the global norm ``‖g‖₂`` exceeds ``max_norm``.

    A non-finite norm (an exploded gradient: inf or nan) leaves the gradients unchanged and
    is reported in ``norm_before`` so the caller can skip the step.
    """
    max_norm = _check_positive("max_norm", max_norm)
    grads = _grads(params_or_grads)
    before = _norm(grads)
    if not math.isfinite(before) or before <= max_norm:
        return ClipResult(before, before, False)
    scale = max_norm / (before + 1e-6)
    for g in grads:
        g.mul_(scale)
    return ClipResult(before, _norm(grads), True)
