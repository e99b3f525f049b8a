"""The Tasks screen's neural language model (NPLM): load the bundled one, train one live, predict, save.

Calls and factories for :func:`explorer.runs.start_call` / :func:`~explorer.runs.start_run`; torch and
:mod:`engine.embeddings.nplm` are imported inside them, in the worker. The bundled model
(``assets/tasks/models/nplm``, see ``assets/README.md``) was written by ``seq-explorer nplm train``, so
``seq-explorer nplm predict|neighbours`` read it too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

BUNDLED_NPLM = "nplm"
"""Directory of the bundled NPLM under ``assets/tasks/models``."""

LIVE_DEFAULTS: dict[str, Any] = {"context": 4, "dim": 30, "hidden": 50, "max_vocab": 3000, "min_count": 3,
                                 "max_words": 200_000, "batch_size": 256, "lr": 3e-3}
"""A live run on the screen: the bundled corpus's first 200,000 words (~10 s an epoch on one CPU core)."""


@dataclass(frozen=True)
class NPLMReady:
    """A model to show: the network, its vocabulary and E as word vectors (for the neighbours)."""

    model: Any
    vocab: Any
    vectors: Any
    origin: str
    """"bundled:nplm" or "trained"."""


@dataclass(frozen=True)
class NPLMPredicted:
    """One context through the model: the top next words and the neighbours of one word in E."""

    text: str
    context: tuple[str, ...] = ()
    """The last n words the model read (what the prediction is conditioned on)."""
    top: tuple[tuple[str, float], ...] = ()
    word: str = ""
    """The word whose neighbours are shown."""
    neighbours: tuple[tuple[str, float], ...] = ()
    error: str = ""
    """A one-line refusal (empty text, a word outside the vocabulary)."""
    words: tuple[str, ...] = field(default_factory=tuple)
    """All the typed words (lower-cased, tokenised as the corpus)."""


@dataclass(frozen=True)
class NPLMSaved:
    path: str
    error: str = ""
    exists: bool = False


def bundled_path():
    from engine.assets import asset_path

    return asset_path("tasks", "models", BUNDLED_NPLM)


def _ready(model, vocab, origin: str) -> NPLMReady:
    from engine.embeddings.vectors import WordVectors

    matrix = model.embedding.weight.detach().cpu().numpy()[1:].copy()  # drop the <s> row
    return NPLMReady(model, vocab, WordVectors(vocab.words, matrix, counts=vocab.counts, name="NPLM E"), origin)


def load_bundled():
    """A call loading the bundled NPLM (None when a trimmed install lacks it)."""

    def call() -> NPLMReady | None:
        from engine.embeddings.nplm import load_nplm

        path = bundled_path()
        if not path.is_dir():
            return None
        model, vocab, _ = load_nplm(path)
        return _ready(model, vocab, f"bundled:{BUNDLED_NPLM}")

    return call


def live_config(*, epochs: int | None, max_words: int | None, device: str = "auto", overrides: dict | None = None):
    """The :class:`~engine.embeddings.nplm.NPLMConfig` of a live run (validated here: an ``InputError``);
    ``overrides`` (the app's ``nplm_overrides`` option, for tests) go on top."""
    from engine.embeddings.nplm import NPLMConfig

    settings = {**LIVE_DEFAULTS, "epochs": 2 if epochs is None else epochs, "device": device}
    if max_words is not None:
        settings["max_words"] = max_words
    return NPLMConfig(**{**settings, **(overrides or {})})


def train(config):
    """Train ``config`` in the worker: the engine's events, then :class:`NPLMReady` with the model."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.embeddings.events import EmbeddingsFinished
        from engine.embeddings.nplm import train_nplm

        finished = None
        for event in train_nplm(config, stop):
            if isinstance(event, EmbeddingsFinished):
                finished = event
            yield event
        if finished is not None and finished.words_done > 0:
            yield _ready(finished.model.cpu().eval(), finished.vocab, "trained")

    return factory


def words_of(text: str) -> list[str]:
    from engine.embeddings.corpus import CorpusOptions, tokenize

    return tokenize(text, CorpusOptions())


def predict(ready: NPLMReady, text: str, word: str | None = None, topn: int = 8):
    """A call: the ``topn`` next words after ``text`` and the neighbours of ``word`` (default: the
    rarest context word, the one with most meaning: "glass" in "i want a glass of")."""

    def call() -> NPLMPredicted:
        from engine.embeddings.nplm import predict_next
        from engine.errors import InputError

        words = words_of(text)
        if not words:
            return NPLMPredicted(text, error="the text is empty; type the words before the one to predict, "
                                             "e.g. 'i want a glass of'")
        context = tuple(words[-ready.model.context:])
        try:
            top = predict_next(ready.model, ready.vocab, words, topn)
        except InputError as exc:
            return NPLMPredicted(text, context, error=" ".join(str(exc).split()) +
                                 f" (this model knows {len(ready.vocab):,} words)", words=tuple(words))
        known = [w for w in context if ready.vocab.index(w) >= 0]
        rarest = min(known, key=lambda w: int(ready.vocab.counts[ready.vocab.index(w)]))  # "glass", not "of"
        pick = word if word and ready.vocab.index(word) >= 0 else rarest
        near = tuple(ready.vectors.neighbours(pick, topn))
        return NPLMPredicted(text, context, tuple(top), pick, near, words=tuple(words))

    return call


def save(ready: NPLMReady, path: str, *, overwrite: bool = False):
    """A call writing the model with :func:`engine.embeddings.nplm.save_nplm` (``nplm predict DIR`` reads
    it; so does ``--embeddings DIR``); an existing folder is refused unless ``overwrite``."""

    def call() -> NPLMSaved:
        from pathlib import Path

        from engine.embeddings.nplm import save_nplm
        from engine.errors import InputError

        target = Path(path).expanduser()
        if target.exists() and not overwrite and (not target.is_dir() or any(target.iterdir())):
            return NPLMSaved(str(target), error=f"{target} already exists", exists=True)
        try:
            save_nplm(ready.model, ready.vocab, target)
        except InputError as exc:
            return NPLMSaved(str(target), error=" ".join(str(exc).split()))
        return NPLMSaved(str(target))

    return call
