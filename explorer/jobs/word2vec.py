"""The Embeddings screen's word2vec job: train on a ``Word2VecConfig`` the screen built, save the result.

Run factories for :func:`explorer.runs.start_run` (the engine, torch and numba are imported inside
the worker thread, never at module level). The screen builds and validates the config on the UI
thread (``engine.embeddings.w2v_config`` is torch-free); what the engine can only refuse once it has
read the corpus (no word over min_count, a missing file, a diverging run) arrives as a
:class:`TrainingRejected` the screen shows in its form's words.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class TrainingRejected:
    """The engine refused the run (an :class:`~engine.errors.InputError`, its ``field`` named)."""

    error: Exception


@dataclass(frozen=True)
class TrainingPreparing:
    """The engine is imported; the corpus is being read next (``description``: the config's own words).

    Yielded at once so that :data:`explorer.runs.IMPORT_LOCK` (held until a run's first event)
    is not held while a big corpus is scanned.
    """

    description: str


@dataclass(frozen=True)
class VectorsSaved:
    """The trained vectors were written to ``path`` (the project format: safetensors + vocabulary)."""

    path: str


def save_factory(wv: Any, path: str):
    """Run factory: save ``wv`` to the directory ``path`` with the engine, yield :class:`VectorsSaved`."""

    def factory(stop: threading.Event) -> Iterator[VectorsSaved]:
        from engine.embeddings.io import save_vectors

        yield VectorsSaved(save_vectors(wv, path, format="project"))

    return factory


def refusals_as_events(events: Iterator[object]) -> Iterator[object]:
    """``events``, with an engine :class:`~engine.errors.InputError` ending them as a :class:`TrainingRejected`."""
    from engine.errors import InputError

    try:
        yield from events
    except InputError as exc:
        yield TrainingRejected(exc)


def training_factory(config: Any):
    """Run factory: ``train_word2vec(config)``'s events after a :class:`TrainingPreparing`."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.embeddings.word2vec import train_word2vec

        yield TrainingPreparing(config.describe())
        yield from refusals_as_events(train_word2vec(config, stop))

    return factory
