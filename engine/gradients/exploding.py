"""Exploding gradients on purpose, and what clipping does about them.

A basic RNN with ReLU, ``a⟨t⟩ = relu(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a)``, whose recurrent
matrix is rescaled so that its spectral radius ρ(W_aa) (largest |eigenvalue|) exceeds 1.
Backpropagation multiplies ``da⟨t−1⟩ = W_aaᵀ (da⟨t⟩ ∗ [z⟨t⟩ > 0])`` once per step, so over
a gap of T steps the gradient can grow like ρᵀ: one SGD step ``W ← W − α dW`` then throws the
weights far away, the states blow up, and the loss becomes huge or NaN.

The loss is the squared error of the score ``s = logit_were − logit_was`` against
``y = ±1`` (see :func:`squared_error_loss`), so nothing saturates the growth.

Three copies of the same model, from the same initial weights and on the same batches,
train side by side with plain SGD:

- ``none``: the raw gradient;
- ``value``: the course's ``clip(g, −N, N)`` on every entry (:func:`engine.clipping.clip_by_value`);
- ``norm``: ``g ← g · N/‖g‖`` when ``‖g‖ > N`` (:func:`engine.clipping.clip_by_norm`).

:func:`run_exploding` yields :class:`ExplodingStarted`, then one :class:`ExplodingStep`
per mode per step (the loss curves), an :class:`ExplodingDiverged` when a mode's loss or
gradient stops being finite (that mode stops), and :class:`engine.events.Finished`.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from engine.device import torch_threads
from engine.errors import InputError
from engine.events import Event, Finished
from engine.gradients.agreement import AgreementTask
from engine.gradients.events import CLIP_MODES, ExplodingDiverged, ExplodingStarted, ExplodingStep
from engine.limits import check_seed


@dataclass(frozen=True)
class ExplodingConfig:
    """Settings of the exploding-gradient demo (defaults explode within a few dozen steps)."""

    modes: tuple[str, ...] = CLIP_MODES
    """Which of ``none``, ``value``, ``norm`` to train (each a copy of the same model)."""
    spectral_radius: float = 1.3
    """ρ(W_aa) after rescaling the recurrent matrix; above 1 the gradient can grow like ρᵀ."""
    hidden_size: int = 32
    """Units in the ReLU RNN."""
    distance: int = 20
    """Agreement-task distance d (the sequences are d + 2 steps long)."""
    steps: int = 80
    """SGD steps per mode."""
    batch_size: int = 32
    """Sentences per step."""
    learning_rate: float = 0.01
    """SGD learning rate α."""
    clip_value: float = 0.1
    """N of clip by value: every gradient entry into [−N, N]."""
    clip_norm: float = 1.0
    """N of clip by norm: the global gradient norm to at most N."""
    seed: int = 0
    """Seeds the initial weights and the batches."""

    def __post_init__(self) -> None:
        check_seed(self.seed)
        if not self.modes:
            raise InputError(f"modes must name at least one of {', '.join(CLIP_MODES)}")
        for m in self.modes:
            if m not in CLIP_MODES:
                raise InputError(f"clip mode must be one of {', '.join(CLIP_MODES)}, got {m!r}")
        if len(set(self.modes)) != len(self.modes):
            raise InputError(f"modes must not repeat, got {','.join(self.modes)}")
        if not (isinstance(self.spectral_radius, (int, float)) and 0 < self.spectral_radius <= 10):
            raise InputError(f"spectral_radius must be in (0, 10], got {self.spectral_radius!r}")
        for name in ("hidden_size", "steps", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise InputError(f"{name} must be an integer > 0, got {v!r}")
        AgreementTask(self.distance)  # validates distance
        for name in ("learning_rate", "clip_value", "clip_norm"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be a positive number, got {v!r}")

    def threshold(self, mode: str) -> float | None:
        return {"none": None, "value": self.clip_value, "norm": self.clip_norm}[mode]


def spectral_radius(weight: torch.Tensor) -> float:
    """ρ(W) = max |λ| over the eigenvalues of a square matrix."""
    return float(torch.linalg.eigvals(weight.detach().double()).abs().max())


def scale_to_spectral_radius(weight: torch.Tensor, rho: float) -> None:
    """Rescale the square matrix ``weight`` in place so that ρ(weight) = ``rho``."""
    current = spectral_radius(weight)
    if current == 0:
        raise InputError("the recurrent matrix is all zeros; it has no spectral radius to scale")
    with torch.no_grad():
        weight.mul_(rho / current)


def build_exploding_model(config: ExplodingConfig, vocab_size: int) -> nn.Module:
    """The ReLU RNN classifier with W_aa rescaled to ``config.spectral_radius``."""
    from engine.gradients.agreement_training import AgreementClassifier

    torch.manual_seed(config.seed)
    model = AgreementClassifier("rnn", vocab_size, 16, config.hidden_size, nonlinearity="relu")
    w_hh = model.recurrent.weight_hh_l0
    with torch.no_grad():  # a non-negative W_aa: its top eigenvector is non-negative (Perron), so
        w_hh.abs_()  # ReLU lets the growth ρᵗ through instead of cutting it off
    scale_to_spectral_radius(w_hh, config.spectral_radius)
    return model


def squared_error_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``L = mean((s − y)²)`` with the score ``s = logit_were − logit_was`` and ``y = ±1``.

    Unlike cross-entropy (whose ``∂L/∂logit`` never exceeds 1) the squared error passes the
    states' ρᵗ growth straight into the gradient, so the explosion shows on the loss curve.
    """
    score = logits[:, 1] - logits[:, 0]  # (B,)
    return ((score - (2.0 * labels.to(score.dtype) - 1.0)) ** 2).mean()


def _clip(mode: str, model: nn.Module, config: ExplodingConfig) -> tuple[float, float, bool]:
    from engine.clipping import clip_by_norm, clip_by_value

    params = [p for p in model.parameters() if p.grad is not None]
    if mode == "value":
        return tuple(clip_by_value(params, config.clip_value))  # type: ignore[return-value]
    if mode == "norm":
        return tuple(clip_by_norm(params, config.clip_norm))  # type: ignore[return-value]
    norm = float(torch.linalg.vector_norm(torch.stack([p.grad.detach().double().norm() for p in params])))
    return norm, norm, False


def run_exploding(config: ExplodingConfig, stop: threading.Event | None = None) -> Iterator[Event]:
    """Train one model per clipping mode side by side; yields events (see module docstring)."""
    stop = stop or threading.Event()
    with torch_threads():  # 1 thread in a worker: OpenMP's per-thread pool is far slower here
        task = AgreementTask(config.distance)
        base = build_exploding_model(config, task.vocab_size)
        models = {m: copy.deepcopy(base) for m in config.modes}
        optimizers = {m: torch.optim.SGD(models[m].parameters(), lr=config.learning_rate) for m in config.modes}
        alive = list(config.modes)
        rng = np.random.default_rng([config.seed, config.distance, 2])
        t0 = time.perf_counter()
        yield ExplodingStarted(
            spectral_radius=spectral_radius(base.recurrent.weight_hh_l0), modes=tuple(config.modes),
            clip_value=config.clip_value, clip_norm=config.clip_norm, total_steps=config.steps,
            learning_rate=config.learning_rate,
        )
        step = 0
        last = float("nan")
        while step < config.steps and alive and not stop.is_set():
            xb, yb = (torch.from_numpy(a) for a in task.batch(config.batch_size, rng))
            step += 1
            for mode in list(alive):
                model, opt = models[mode], optimizers[mode]
                opt.zero_grad(set_to_none=True)
                loss = squared_error_loss(model(xb), yb)
                loss_value = float(loss.item())
                if math.isfinite(loss_value):
                    loss.backward()
                    grad_max = max(float(p.grad.detach().abs().max()) for p in model.parameters() if p.grad is not None)
                    before, after, clipped = _clip(mode, model, config)
                else:
                    before = after = grad_max = float("nan")
                    clipped = False
                if not (math.isfinite(loss_value) and math.isfinite(before)):
                    alive.remove(mode)
                    yield ExplodingDiverged(mode, step, loss_value, before)
                    continue
                opt.step()
                last = loss_value
                yield ExplodingStep(mode, step, config.steps, loss_value, before, after, clipped, config.threshold(mode),
                                    grad_max)
        reason = "stopped" if stop.is_set() and step < config.steps else "completed"
        yield Finished(step=step, reason=reason, final_loss=last, elapsed_s=time.perf_counter() - t0)
