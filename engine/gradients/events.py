"""Events and results of the gradients package (frozen dataclasses; no torch inside).

The app builds these from worker threads and tests build them by hand, so this
module imports nothing heavier than :mod:`engine.events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.events import Event

ClipMode = Literal["none", "value", "norm"]
CLIP_MODES: tuple[str, ...] = ("none", "value", "norm")


@dataclass(frozen=True)
class LayerNorms:
    """Per-step gradient sizes of one layer: ``a[t] = ‖∂L⟨T⟩/∂a⟨t⟩‖``, ``c[t] = ‖∂L⟨T⟩/∂c⟨t⟩‖``.

    ``t`` runs over 0 … T−1 (step t+1 in the course's 1-based notation). ``c`` is
    None for cells without a separate memory cell (RNN; GRUs have c = a).
    Norms are L2 over the hidden units, averaged over the batch.
    """

    layer: int
    a: tuple[float, ...]
    c: tuple[float, ...] | None = None


@dataclass(frozen=True)
class GradientsThroughTime(Event):
    """How much of the loss at the last step reaches each earlier step, for one model.

    ``method`` is ``"bptt"`` when the hand-written backward pass (the course's
    equations) produced the numbers and ``"autograd"`` otherwise.
    """

    cell: str
    method: Literal["bptt", "autograd"]
    tokens: tuple[str, ...]
    layers: tuple[LayerNorms, ...]
    hidden_size: int = 0
    loss: float = 0.0

    def top(self) -> LayerNorms:
        """The last layer (the one the loss reads)."""
        return self.layers[-1]


@dataclass(frozen=True)
class AgreementModel(Event):
    """One model of the agreement race: its size under the shared parameter budget."""

    cell: str
    hidden_size: int
    parameters: int
    budget: int
    note: str = ""


@dataclass(frozen=True)
class AgreementEvaluated(Event):
    """Accuracy on the fixed held-out set of one model at ``step`` (chance is 0.5)."""

    cell: str
    step: int
    total_steps: int
    distance: int
    accuracy: float
    eval_loss: float
    train_loss: float


@dataclass(frozen=True)
class ExplodingStarted(Event):
    """The exploding-gradient demo began: the recurrent matrix scaled to ``spectral_radius``."""

    spectral_radius: float
    modes: tuple[str, ...]
    clip_value: float
    clip_norm: float
    total_steps: int
    learning_rate: float


@dataclass(frozen=True)
class ExplodingStep(Event):
    """One optimiser step of one clipping mode.

    ``grad_norm`` is the global L2 norm of the gradient before clipping and
    ``grad_norm_after`` the norm of the step actually taken. ``threshold`` is N
    (clip by value: each component into [−N, N]; clip by norm: the norm to at most N),
    None without clipping.
    """

    mode: str
    step: int
    total_steps: int
    loss: float
    grad_norm: float
    grad_norm_after: float
    clipped: bool
    threshold: float | None = None
    grad_max: float = float("nan")
    """Largest |gᵢ| over every gradient entry before clipping (what clip by value compares with N)."""


@dataclass(frozen=True)
class ExplodingDiverged(Event):
    """A mode's loss or gradient became NaN or infinite at ``step``; that mode stops there."""

    mode: str
    step: int
    loss: float
    grad_norm: float
