"""Gradients through time: how much of the loss at the last step reaches step t.

For a loss ``L⟨T⟩`` read from the last state a⟨T⟩ of the top layer, backpropagation
through time carries ``da⟨t⟩ = ∂L⟨T⟩/∂a⟨t⟩`` backwards one step at a time::

    da⟨t−1⟩ = (∂a⟨t⟩/∂a⟨t−1⟩)ᵀ da⟨t⟩          (RNN: ∂a⟨t⟩/∂a⟨t−1⟩ = diag(1 − a⟨t⟩²) W_aa)

so ``‖da⟨t⟩‖`` is a product of ``T − t`` Jacobians. When their norms sit below 1 the
product shrinks geometrically (vanishing gradients: early steps learn nothing from the
loss); above 1 it grows (exploding). The LSTM's memory cell adds a path
``dc⟨t−1⟩ = Γf⟨t⟩ ∗ dc⟨t⟩ + …`` that is only scaled by the forget gate, which is why
``‖∂L/∂c⟨t⟩‖`` can stay large over long gaps.

Two ways to compute the same numbers:

- ``"bptt"``: the course's hand-written backward pass (:mod:`engine.recurrent.bptt`),
  for the kinds that have one (``rnn``, ``lstm``), layer by layer from the top;
- ``"autograd"``: step the cells one at a time, keep every a⟨t⟩ (and c⟨t⟩), and ask
  torch's autograd for ∂L/∂a⟨t⟩ of each — any kind, any depth.

``"auto"`` takes the hand-written pass where it exists. Tests check that both agree.
Norms are L2 over the hidden units, averaged over the batch, for every layer.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from engine.errors import InputError
from engine.gradients.events import GradientsThroughTime, LayerNorms

Method = Literal["auto", "bptt", "autograd"]
METHODS: tuple[str, ...] = ("auto", "bptt", "autograd")
BPTT_KINDS: tuple[str, ...] = ("rnn", "lstm")
"""Kinds whose backward pass is written by hand in :mod:`engine.recurrent.bptt`."""


def has_hand_bptt(rec) -> bool:
    """Whether :mod:`engine.recurrent.bptt` covers this model (kind and nonlinearity)."""
    if rec.kind not in BPTT_KINDS:
        return False
    try:
        from engine.recurrent import bptt  # noqa: F401
    except ImportError:  # pragma: no cover - the hand-written pass not installed
        return False
    return True


def _check(rec, x: Tensor, seed: Tensor) -> None:
    if getattr(rec, "bidirectional", False):
        raise InputError("gradients through time need a one-direction model; this one is bidirectional")
    if not isinstance(x, Tensor) or x.dim() != 3 or x.shape[2] != rec.input_size:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise InputError(f"input must have shape (batch, time, {rec.input_size}), got {shape}")
    want = (x.shape[0], rec.hidden_size)
    if not isinstance(seed, Tensor) or tuple(seed.shape) != want:
        shape = tuple(seed.shape) if isinstance(seed, Tensor) else type(seed).__name__
        raise InputError(f"dL/da⟨T⟩ must have shape {want}, got {shape}")


def _norms(g: Tensor | None, like: Tensor) -> tuple[float, ...]:
    """Per-step ‖g⟨t⟩‖ averaged over the batch; ``g`` (B, T, H) or None (no gradient reached)."""
    if g is None:
        return tuple(0.0 for _ in range(like.shape[1]))
    return tuple(float(v) for v in g.detach().norm(dim=-1).mean(dim=0).tolist())


def autograd_norms(rec, x: Tensor, seed: Tensor) -> tuple[LayerNorms, ...]:
    """‖∂L/∂a⟨t⟩‖ (and ‖∂L/∂c⟨t⟩‖ for LSTMs) per layer by autograd, with ``∂L/∂a⟨T⟩ = seed``.

    ``x`` (B, T, n_x) is the first layer's input; ``seed`` (B, H) the gradient of the loss
    with respect to the top layer's last state. Dropout is not applied (evaluation).
    """
    _check(rec, x, seed)
    with torch.enable_grad():
        inp = x.detach()
        kept: list[tuple[list[Tensor], list[Tensor]]] = []
        for layer in range(1, rec.num_layers + 1):
            cell = rec.cell(layer)
            state = cell.initial_state(inp.shape[0], inp)
            a_steps: list[Tensor] = []
            c_steps: list[Tensor] = []
            for t in range(inp.shape[1]):
                state, _ = cell(inp[:, t], state)
                a_t, c_t = state if cell.has_memory_cell else (state, None)
                a_steps.append(a_t)
                if c_t is not None:
                    c_steps.append(c_t)
            kept.append((a_steps, c_steps))
            inp = torch.stack(a_steps, dim=1)  # (B, T, H): the next layer's x⟨t⟩
        top_last = kept[-1][0][-1]
        wanted = [t for a_steps, c_steps in kept for t in (*a_steps, *c_steps)]
        # torch.autograd.grad (not .backward) leaves the parameters' own .grad untouched
        grads = torch.autograd.grad((top_last * seed.to(top_last.dtype)).sum(), wanted, allow_unused=True)
    by_id = {id(t): g for t, g in zip(wanted, grads)}
    out = []
    for layer, (a_steps, c_steps) in enumerate(kept, start=1):
        a_grads = _stack_grads(a_steps, by_id)
        c_norms = _norms(_stack_grads(c_steps, by_id), x) if c_steps else None
        out.append(LayerNorms(layer=layer, a=_norms(a_grads, x), c=c_norms))
    return tuple(out)


def _stack_grads(steps: list[Tensor], by_id: dict) -> Tensor | None:
    grads = [by_id[id(s)] if by_id.get(id(s)) is not None else torch.zeros_like(s) for s in steps]
    return torch.stack(grads, dim=1) if grads else None  # (B, T, H)


def bptt_norms(rec, x: Tensor, seed: Tensor) -> tuple[LayerNorms, ...]:
    """The same numbers as :func:`autograd_norms`, from the course's hand-written backward pass.

    Layer by layer from the top: the upstream gradient of the top layer is ``seed`` at the
    last step and zero elsewhere; each layer's ``dx⟨t⟩`` is the upstream ``da⟨t⟩`` of the
    layer below (its x⟨t⟩ is that layer's a⟨t⟩).
    """
    _check(rec, x, seed)
    if not has_hand_bptt(rec):
        raise InputError(
            f"no hand-written backward pass for the {rec.kind!r} cell; use method 'autograd' "
            f"(hand-written: {', '.join(BPTT_KINDS)})"
        )
    from engine.recurrent.bptt import backward_through_time

    with torch.no_grad():
        _, _, trace = rec(x.detach(), record=True)
        B, T, H = x.shape[0], x.shape[1], rec.hidden_size
        upstream = x.new_zeros(B, T, H)
        upstream[:, -1] = seed.detach().to(x.dtype)
        per_layer: list[LayerNorms] = []
        for layer in range(rec.num_layers, 0, -1):
            layer_x = x.detach() if layer == 1 else torch.from_numpy(trace.layer(layer).x).to(x.dtype)
            result = backward_through_time(rec.cell(layer), layer_x, upstream)
            c = _norms(result.dc, x) if result.dc is not None else None
            per_layer.append(LayerNorms(layer=layer, a=_norms(result.da, x), c=c))
            upstream = result.dx  # ∂L/∂x⟨t⟩ of this layer is the da⟨t⟩ arriving at the layer below
    return tuple(reversed(per_layer))


def norms_through_time(rec, x: Tensor, seed: Tensor, *, method: str = "auto") -> tuple[str, tuple[LayerNorms, ...]]:
    """(method used, per-layer norms) for ``rec`` on ``x`` with ``∂L/∂a⟨T⟩ = seed``."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "bptt" or (method == "auto" and has_hand_bptt(rec)):
        return "bptt", bptt_norms(rec, x, seed)
    return "autograd", autograd_norms(rec, x, seed)


def classifier_gradients(model, tokens: tuple[str, ...], x_ids: Tensor, label: int, *, method: str = "auto") -> GradientsThroughTime:
    """Gradients through time of an :class:`AgreementClassifier` on one sentence.

    ``L⟨T⟩ = −log ŷ_label`` with ``ŷ = softmax(W_y a⟨Tx⟩ + b_y)``; its gradient with
    respect to a⟨Tx⟩ is ``W_yᵀ(ŷ − y)``, the seed carried back through time.
    """
    with torch.no_grad():
        e = model.embedding(x_ids.view(1, -1))  # (1, Tx, E)
        out, _, _ = model.recurrent(e)
    with torch.enable_grad():
        a_T = out[:, -1].detach().requires_grad_(True)  # (1, H)
        loss = torch.nn.functional.cross_entropy(model.head(a_T), torch.tensor([int(label)]))
        (seed,) = torch.autograd.grad(loss, a_T)
    used, layers = norms_through_time(model.recurrent, e, seed, method=method)
    return GradientsThroughTime(
        cell=model.kind, method=used, tokens=tuple(tokens), layers=layers,  # type: ignore[arg-type]
        hidden_size=model.hidden_size, loss=float(loss.item()),
    )
