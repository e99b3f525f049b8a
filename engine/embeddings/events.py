"""Frozen dataclass events of the embeddings package: training (word2vec, the NPLM) and evaluation.

Like :mod:`engine.events` (which holds the base classes and the rule for events modules): plain
Python values only, so the app and the command line can show them and tests can collect them.

Training (:func:`engine.embeddings.word2vec.train_word2vec`, :func:`engine.embeddings.nplm.train_nplm`):
``EmbeddingsStarted``, then ``Progress`` (every ``progress_every_words`` words or
``progress_interval_s`` seconds, whichever comes first) interleaved with the optional
``WatchNeighbours`` / ``QuickAnalogy``, an ``EpochFinished`` per epoch, and one
``EmbeddingsFinished`` that carries the trained :class:`~engine.embeddings.vectors.WordVectors`.

Losses are true means, in nats, per prediction: per (context, centre) pair for skip-gram,
per centre word for CBOW. One prediction's loss is ``−log σ(u_o·v) − Σ_k log σ(−u_k·v)``
for negative sampling, ``−Σ_path log σ(±u_n·v)`` for hierarchical softmax and
``−log softmax(U v)_o`` for the full softmax. (gensim's ``get_latest_training_loss`` is a
running *sum*, reset per epoch and known to lose precision; these are means.)

Evaluation (:func:`engine.embeddings.evaluate.iter_evaluate_analogies`): ``EvalProgress``, then
``AnalogyEvaluated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.events import Event, ProgressEvent


@dataclass(frozen=True)
class EmbeddingsStarted(Event):
    """Training begins: the vocabulary is built and the corpus encoded."""

    total_words: int
    """Words to process: in-vocabulary corpus tokens × epochs (before subsampling)."""
    vocab_size: int
    corpus_words: int
    """Tokens in the corpus (including those below ``min_count``)."""
    device: str
    workers: int
    description: str = ""


@dataclass(frozen=True)
class Progress(ProgressEvent):
    words_done: int
    total_words: int
    epoch: int
    """1-based epoch number."""
    loss: float
    """Mean loss per prediction over the words since the previous ``Progress`` (nan if none)."""
    epoch_loss: float
    """Mean loss per prediction over this epoch so far."""
    words_per_s: float
    """Wall-time throughput since training started (corpus words before subsampling)."""
    lr: float
    """Learning rate α of the latest batch (linear decay from ``alpha`` to ``min_alpha``)."""
    elapsed_s: float
    eta_s: float


@dataclass(frozen=True)
class WatchNeighbours(Event):
    """Nearest neighbours (cosine) of the watch-list words at ``words_done``."""

    words_done: int
    neighbours: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    vectors: tuple[tuple[str, tuple[float, ...]], ...] = ()
    """The vectors at ``words_done`` of the watch words and of their neighbours, each word once (for a
    live picture of them: the app's scatter follows the training with these)."""


@dataclass(frozen=True)
class QuickAnalogy(Event):
    """3CosAdd accuracy on a small fixed subset of an analogy file."""

    words_done: int
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else float("nan")


@dataclass(frozen=True)
class EpochFinished(Event):
    epoch: int
    epochs: int
    loss: float
    """Mean loss per prediction over the whole epoch."""
    words_done: int
    elapsed_s: float


@dataclass(frozen=True)
class EmbeddingsFinished(Event):
    vectors: object
    """The trained :class:`~engine.embeddings.vectors.WordVectors` (input vectors, rows in
    frequency order); what exists so far when ``reason == "stopped"``."""
    reason: Literal["completed", "stopped"]
    words_done: int
    elapsed_s: float
    final_loss: float | None = None
    model: object = None
    """The trained model where there is one beyond the vectors (the NPLM's ``NeuralLM``)."""
    vocab: object = None
    """Its :class:`~engine.embeddings.vocab.WordCounts` (NPLM)."""


@dataclass(frozen=True)
class EvalProgress(ProgressEvent):
    """``done`` of ``total`` analogy questions answered; ``section`` is the one being evaluated."""

    done: int
    total: int
    section: str


@dataclass(frozen=True)
class AnalogyEvaluated(Event):
    """Evaluation finished (or was stopped: ``result.stopped``); the final figures."""

    result: object
    """The :class:`~engine.embeddings.evaluate.AnalogyResult` (not imported here: evaluate imports this module)."""


__all__ = ["EmbeddingsStarted", "Progress", "WatchNeighbours", "QuickAnalogy", "EpochFinished", "EmbeddingsFinished",
           "EvalProgress", "AnalogyEvaluated"]
