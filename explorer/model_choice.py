"""The language model the app looks at: one piece of app state, ``SeqExplorerApp.current_model``.

Gates and Generate show one language model. Which one is the App's reactive ``current_model``, a
:class:`ModelChoice`: at start the ``--checkpoint`` folder or the first bundled model; when a run
trained on the Train screen finishes or saves (or a watched run saves), that run's folder; when the
user picks a model in a screen's ``#model`` box, that one. A screen follows it with
``self.watch(self.app, "current_model", callback)`` — :class:`explorer.screens.model_screen.ModelScreen`
does so for a subclass that sets ``FOLLOWS_CURRENT_MODEL = True`` (see docs/ARCHITECTURE.md).

No engine import at module level: the App imports this before its first frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

BUNDLED_PREFIX = "bundled:"

Origin = Literal["bundled", "checkpoint", "trained", "watched"]


@dataclass(frozen=True)
class ModelChoice:
    """A language model to load: a checkpoint folder (its ``best/`` when it has one) or a bundled one."""

    path: str
    """A checkpoint folder, or ``"bundled:NAME"`` (``assets/checkpoints/NAME``)."""
    origin: Origin = "checkpoint"
    """Where it comes from: bundled with the app, ``--checkpoint``, trained on the Train screen, or a
    run watched with ``--watch``."""
    step: int | None = None
    """The training step of the save that made it the current model (trained and watched runs)."""

    @property
    def is_bundled(self) -> bool:
        return self.path.startswith(BUNDLED_PREFIX)

    @property
    def name(self) -> str:
        """The bundled model's name, or the folder's."""
        if self.is_bundled:
            return self.path[len(BUNDLED_PREFIX):]
        return os.path.basename(os.path.normpath(self.path)) or self.path

    @property
    def label(self) -> str:
        """How a model box lists it: ``run lstm-20250101-120000``, ``bundled dinos-lstm``."""
        return {"bundled": "bundled", "checkpoint": "checkpoint", "trained": "run", "watched": "watched"}[
            self.origin] + f" {self.name}"

    @property
    def description(self) -> str:
        """Where it comes from, in words: ``your run lstm-20250101-120000``."""
        return {
            "bundled": f"bundled {self.name}",
            "checkpoint": f"checkpoint {self.name}",
            "trained": f"your run {self.name}",
            "watched": f"the watched run {self.name}",
        }[self.origin]


def bundled(name: str) -> ModelChoice:
    return ModelChoice(f"{BUNDLED_PREFIX}{name}", "bundled")


def initial_choice(checkpoint: str | None) -> ModelChoice:
    """The model at start: ``--checkpoint`` if given, else the first bundled model."""
    if checkpoint:
        return ModelChoice(str(checkpoint), "checkpoint")
    from engine.assets import BUNDLED_CHECKPOINTS  # paths only: no torch

    return bundled(BUNDLED_CHECKPOINTS[0])


def choices(checkpoint: str | None, current: ModelChoice | None = None) -> list[ModelChoice]:
    """A model box's options: the ``--checkpoint`` (if any), the current model if it is another
    folder (a run trained or watched), then every bundled model."""
    from engine.assets import BUNDLED_CHECKPOINTS

    out = [ModelChoice(str(checkpoint), "checkpoint")] if checkpoint else []
    if current is not None and not current.is_bundled and all(c.path != current.path for c in out):
        out.append(current)
    return out + [bundled(name) for name in BUNDLED_CHECKPOINTS]
