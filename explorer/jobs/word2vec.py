"""The Embeddings screen's training job: word2vec on the form's settings, and saving what it learned.

Run factories for :func:`explorer.runs.start_run` (the engine is imported inside the worker thread,
never at module level). The engine's ``Word2VecConfig`` lives in a module that imports torch, so it
is built here, in the worker, rather than by the screen on the UI thread: a bad setting does not
raise (which would open an error dialog) but yields a :class:`TrainingRejected` with the engine's
one-line message, which the screen shows under its form.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterator

DEFAULT_WATCH = ("king", "france", "two", "good")


@dataclass(frozen=True)
class Word2VecForm:
    """The Embeddings form's choices, as typed (strings) or chosen."""

    corpus: str = "default"
    model: str = "skipgram"
    loss: str = "negative"
    dim: str = "50"
    window: str = "5"
    epochs: str = "1"
    min_count: str = "5"
    watch: str = ", ".join(DEFAULT_WATCH)


@dataclass(frozen=True)
class TrainingRejected:
    """The configuration was refused: the engine's :class:`~engine.errors.InputError`."""

    error: Exception


@dataclass(frozen=True)
class TrainingPreparing:
    """The configuration is valid and the engine imported; the corpus is being read next.

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


def parse_watch(text: str) -> tuple[str, ...]:
    """'king, france two' → ('king', 'france', 'two'): commas or spaces, duplicates dropped."""
    seen: list[str] = []
    for word in text.replace(",", " ").split():
        if word not in seen:
            seen.append(word)
    return tuple(seen)


def _int(text: str, name: str, low: int) -> int:
    from engine.errors import InputError

    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputError(f"{name} must be a whole number, got {text!r}", field=name) from None
    if value < low:
        raise InputError(f"{name} must be >= {low}, got {value}", field=name)
    return value


def word2vec_config(form: Word2VecForm, device: str = "auto", **extra: Any) -> Any:
    """A ``Word2VecConfig`` from the form (raises the engine's InputError on a bad value)."""
    from engine.embeddings.word2vec import Word2VecConfig

    kwargs = dict(
        corpus=form.corpus.strip() or "default",
        model=form.model,
        loss=form.loss,
        dim=_int(form.dim, "dim", 1),
        window=_int(form.window, "window", 1),
        epochs=_int(form.epochs, "epochs", 1),
        min_count=_int(form.min_count, "min_count", 1),
        device=device,
    )
    watch = parse_watch(form.watch)
    if watch:
        kwargs["watch"] = watch
    kwargs.update(extra)
    return Word2VecConfig(**kwargs)


def training_factory(form: Word2VecForm, device: str = "auto", **extra: Any):
    """Run factory: ``train_word2vec`` events, or one TrainingRejected for a bad form."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.errors import InputError

        try:
            config = word2vec_config(form, device, **extra)
        except InputError as exc:
            yield TrainingRejected(exc)
            return
        from engine.embeddings.word2vec import train_word2vec

        yield TrainingPreparing(config.describe())
        yield from train_word2vec(config, stop)

    return factory
