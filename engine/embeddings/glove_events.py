"""Frozen events of GloVe training beyond those it shares with word2vec.

:func:`engine.embeddings.glove_train.train_glove` yields, in order: ``Counting`` while the
co-occurrences are counted (one per corpus chunk), then the training events of
:mod:`engine.embeddings.events` in the same shapes as word2vec's — ``Started``,
``Progress``, ``EpochFinished``, ``Finished`` (with the vectors θ + e) — so that whatever shows a
word2vec run shows a GloVe run. There, "words" are **co-occurrence entries** (non-zero X_ij):
``Started.total_words`` = entries × epochs, ``Progress.words_done`` / ``words_per_s`` count
entries, and the loss is GloVe's weighted least squares per entry,
``½ f(X_ij) (θ_iᵀ e_j + b_i + b'_j − log X_ij)²`` (the Stanford tool's "cost").
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.events import Event


@dataclass(frozen=True)
class Counting(Event):
    """The co-occurrence pass: ``words_read`` of ``total_words`` corpus words so far."""

    words_read: int
    total_words: int
    entries_held: int
    """Distinct (i, j) pairs held in memory now."""
    shards: int
    """Sorted shards written to disk so far (memory budget exceeded)."""
