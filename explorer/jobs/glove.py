"""The Embeddings screen's GloVe job: count co-occurrences and fit GloVe on a ``GloveConfig``.

A run factory for :func:`explorer.runs.start_run`; torch is imported in the worker. The events are
``engine.embeddings.glove_events.Counting`` while the corpus is counted, then the word2vec-shaped
training events (where "words" are co-occurrence entries), so the screen shows both runs alike.
Refusals the engine can only make once it has read the corpus arrive as
:class:`~explorer.jobs.word2vec.TrainingRejected`.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

from explorer.jobs.word2vec import TrainingPreparing, refusals_as_events


def training_factory(config: Any):
    """Run factory: ``train_glove(config)``'s events after a :class:`TrainingPreparing`."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.embeddings.glove_train import train_glove

        yield TrainingPreparing(config.describe())
        yield from refusals_as_events(train_glove(config, stop))

    return factory
