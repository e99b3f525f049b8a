"""Frozen dataclass events of the embeddings engine (evaluation; word2vec training may add its own).

Like :mod:`engine.events`: plain Python values only, so the app and the command line can show
them and tests can collect them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.events import Event

if TYPE_CHECKING:  # pragma: no cover
    from engine.embeddings.evaluate import AnalogyResult


@dataclass(frozen=True)
class EvalProgress(Event):
    """``done`` of ``total`` analogy questions answered; ``section`` is the one being evaluated."""

    done: int
    total: int
    section: str


@dataclass(frozen=True)
class AnalogyEvaluated(Event):
    """Evaluation finished (or was stopped: ``result.stopped``); the final figures."""

    result: "AnalogyResult"
