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
    """The trained vectors were written to the folder ``path`` (the project format, which
    ``--embeddings DIR`` opens) and, as the command line's ``--out`` does, to ``word2vec_file`` in it
    (``vectors.txt``, the word2vec text format other tools read; "" when a word has a space)."""

    path: str
    word2vec_file: str = ""


def save_factory(wv: Any, path: str):
    """Run factory: save ``wv`` to the directory ``path`` with the engine, yield :class:`VectorsSaved`."""

    def factory(stop: threading.Event) -> Iterator[VectorsSaved]:
        import os

        from engine.embeddings.io import save_vectors
        from engine.errors import InputError

        folder = save_vectors(wv, path, format="project")
        try:
            text = save_vectors(wv, os.path.join(folder, "vectors.txt"), format="word2vec-text")
        except InputError:  # a word the word2vec format cannot hold: the folder alone is still complete
            text = ""
        yield VectorsSaved(folder, text)

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
