"""Frozen dataclass events yielded by long work in the engine: the base classes and a run's events.

A training or evaluation generator yields these; the command line prints them,
the app turns them into Textual messages, tests collect them into lists. Tensors
never appear here: only Python numbers, strings, tuples and detached numpy arrays.

The rule: this module holds the base classes (:class:`Event`, :class:`ProgressEvent`) and the
events of a training run that every package shares (``Started``, ``Step``, ``Evaluated``,
``Sampled``, ``Saved``, ``Diverged``, ``Finished``: the language model's, and the start and end of
the gradients package's runs). Each engine package whose long work yields more has one module
``engine/<package>/events.py`` (``engine.embeddings.events``, ``engine.gradients.events``) whose
event names do not repeat the names here. Events modules import nothing but this one (no torch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Event", "ProgressEvent", "Started", "Step", "Evaluated", "Sample", "Sampled", "Saved", "Diverged",
           "Finished"]


@dataclass(frozen=True)
class Event:
    """Base class of every event."""


@dataclass(frozen=True)
class ProgressEvent(Event):
    """An event that only carries the latest value of something that changes all the time (a step's
    loss, the words done so far). Whoever relays events may batch them, and whoever shows them may
    show only the newest; every other event is passed on at once, in order."""


@dataclass(frozen=True)
class Started(Event):
    """A run began. ``description`` is a one-line summary of the configuration."""

    total_steps: int
    device: str
    description: str = ""
    start_step: int = 0


@dataclass(frozen=True)
class Step(ProgressEvent):
    """One optimiser step (yielded every N steps or M milliseconds)."""

    step: int
    total_steps: int
    loss: float
    """Per-token mean cross-entropy of this batch (nats)."""
    smoothed_loss: float
    """Bias-corrected exponential moving average of ``loss``."""
    grad_norm: float
    """Global L2 norm of the gradient before clipping (NaN in the rare last-step report of a run
    stopped between two reports, whose norms were not measured)."""
    grad_norm_clipped: float
    """Global L2 norm after clipping (equal to ``grad_norm`` when clipping did not fire)."""
    clipped: bool
    lr: float
    tokens_per_s: float
    elapsed_s: float
    eta_s: float
    clip_threshold: float | None = None
    clip_mode: Literal["value", "norm", "none"] = "none"


@dataclass(frozen=True)
class Evaluated(Event):
    """Validation loss (per-token mean, nats) at ``step``."""

    step: int
    val_loss: float


@dataclass(frozen=True)
class Sample:
    text: str
    in_training_set: bool | None = None
    """True/False for name corpora; None where the question does not apply."""


@dataclass(frozen=True)
class Sampled(Event):
    step: int
    samples: tuple[Sample, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Saved(Event):
    step: int
    path: str


@dataclass(frozen=True)
class Diverged(Event):
    """The loss became NaN or infinite; ``advice`` says what to try."""

    step: int
    loss: float
    advice: str


@dataclass(frozen=True)
class Finished(Event):
    step: int
    reason: Literal["completed", "stopped", "diverged"]
    final_loss: float | None = None
    val_loss: float | None = None
    elapsed_s: float = 0.0
    checkpoint: str | None = None
