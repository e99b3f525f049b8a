"""The settings of the gradients package's runs, as frozen configs that validate themselves.

Torch-free (the app builds them on its UI thread, before a worker imports torch): the race of
:func:`engine.gradients.agreement_training.train_agreement` and the demo of
:func:`engine.gradients.exploding.run_exploding`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import InputError
from engine.gradients.agreement import AgreementTask
from engine.gradients.events import CLIP_MODES
from engine.limits import check_seed
from engine.recurrent.kinds import CELL_KINDS

AGREEMENT_CELLS: tuple[str, ...] = CELL_KINDS
"""Every cell kind can race (:data:`engine.recurrent.kinds.KINDS`)."""
DEFAULT_CELLS: tuple[str, ...] = ("rnn", "gru", "gru-course", "lstm")


@dataclass(frozen=True)
class AgreementTrainConfig:
    """Settings of one agreement race (every model gets the same)."""

    distance: int = 40
    """Tokens between the subject and the verb (the gap the model must bridge). At 40 the lesson is
    clear with the other defaults: the basic RNN stays at chance (0.44–0.52 over 6 seeds) while every
    gated cell reaches 1.000; at 20–30 the RNN sometimes learns it within 300 steps
    (bench/README.md, "Long-range dependencies")."""
    cells: tuple[str, ...] = DEFAULT_CELLS
    """Cell kinds to race, from :data:`AGREEMENT_CELLS`."""
    budget: int = 3000
    """Trainable parameters per model (embedding, recurrent layer and head together)."""
    embed_size: int = 16
    """Width of the word embedding e⟨t⟩ (the x⟨t⟩ the cell reads)."""
    steps: int = 300
    """Adam steps per model."""
    batch_size: int = 32
    """Sentences per step."""
    learning_rate: float = 0.01
    """Adam learning rate α."""
    clip_norm: float = 1.0
    """Clip each model's gradient to this global L2 norm (0 switches clipping off)."""
    eval_every: int = 25
    """Evaluate every this many steps (and after the last)."""
    eval_size: int = 256
    """Sentences in the held-out evaluation set."""
    attractors: float = 0.0
    """Probability that a clause word is a noun of either number (0: no attractors)."""
    gate_bias: float = 5.0
    """Initial bias that holds a fresh gated cell's memory: added to the forget gate Γf of the
    LSTMs and subtracted from the update gate Γu of the GRUs (so c⟨t⟩ ≈ c⟨t−1⟩ at first).
    0 keeps torch.nn's initialisation. The basic RNN has no gate to bias."""
    seed: int = 0
    """Seeds the data stream, the evaluation set and every model's initial weights."""
    profile: bool = False
    """At every evaluation also yield each model's :class:`GradientsThroughTime` on the first
    held-out sentence (the app's ribbons follow the race live)."""

    def __post_init__(self) -> None:
        check_seed(self.seed)
        AgreementTask(self.distance, attractors=self.attractors)  # validates distance and attractors
        if not self.cells:
            raise InputError(f"cells must name at least one of {', '.join(AGREEMENT_CELLS)}", field="cells")
        for kind in self.cells:
            if kind not in AGREEMENT_CELLS:
                raise InputError(f"cell must be one of {', '.join(AGREEMENT_CELLS)}, got {kind!r}", field="cells")
        if len(set(self.cells)) != len(self.cells):
            raise InputError(f"cells must not repeat, got {','.join(self.cells)}", field="cells")
        for name in ("budget", "embed_size", "steps", "batch_size", "eval_every", "eval_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InputError(f"{name} must be an integer > 0, got {value!r}", field=name)
        if not self.learning_rate > 0:
            raise InputError(f"learning_rate must be > 0, got {self.learning_rate!r}", field="learning_rate")
        if not -20.0 <= self.gate_bias <= 20.0:
            raise InputError(f"gate_bias must be in [-20, 20], got {self.gate_bias!r}", field="gate_bias")
        if not self.clip_norm >= 0:
            raise InputError(f"clip_norm must be >= 0 (0: no clipping), got {self.clip_norm!r}", field="clip_norm")


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
            raise InputError(f"modes must name at least one of {', '.join(CLIP_MODES)}", field="modes")
        for m in self.modes:
            if m not in CLIP_MODES:
                raise InputError(f"clip mode must be one of {', '.join(CLIP_MODES)}, got {m!r}", field="modes")
        if len(set(self.modes)) != len(self.modes):
            raise InputError(f"modes must not repeat, got {','.join(self.modes)}", field="modes")
        if not (isinstance(self.spectral_radius, (int, float)) and 0 < self.spectral_radius <= 10):
            raise InputError(f"spectral_radius must be in (0, 10], got {self.spectral_radius!r}",
                             field="spectral_radius")
        for name in ("hidden_size", "steps", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise InputError(f"{name} must be an integer > 0, got {v!r}", field=name)
        AgreementTask(self.distance)  # validates distance
        for name in ("learning_rate", "clip_value", "clip_norm"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be a positive number, got {v!r}", field=name)

    def threshold(self, mode: str) -> float | None:
        return {"none": None, "value": self.clip_value, "norm": self.clip_norm}[mode]
