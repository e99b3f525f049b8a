"""Glue between the Embeddings screen and the engine: word2vec training and 2-D projections.

Run factories for :func:`explorer.runs.start_run` (the engine is imported inside the
worker thread, never at module level) and small pure helpers that turn the form's
strings into a configuration and events into display lines.

A bad setting does not raise in the worker (which would open an error dialog): the
factory yields a :class:`TrainingRejected` with the engine's one-line message, and
the screen shows it under the form.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

DEFAULT_WATCH = ("king", "france", "two", "good")


@dataclass(frozen=True)
class TrainingForm:
    """The form's choices, as typed (strings) or chosen."""

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
    """The configuration was refused; ``message`` says why (one line)."""

    message: str


@dataclass(frozen=True)
class TrainingPreparing:
    """The configuration is valid and the engine imported; the corpus is being read next.

    Yielded at once so that :data:`explorer.runs.IMPORT_LOCK` (held until a run's first event)
    is not held while a big corpus is scanned.
    """

    description: str


@dataclass(frozen=True)
class Projected:
    """2-D coordinates of ``words`` (``groups[i]`` colours word i) by ``method``."""

    words: tuple[str, ...]
    xy: tuple[tuple[float, float], ...]
    groups: tuple[int, ...]
    method: str
    missing: tuple[str, ...] = ()
    lookup: Any = None
    """An :class:`~explorer.widgets.embedding_lookup.LookupView` for the chosen word, if any."""
    lookup_error: str = ""
    error: str = ""
    """Why the projection could not be drawn (e.g. t-SNE with fewer than 3 words)."""


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
        raise InputError(f"{name} must be a whole number, got {text!r}") from None
    if value < low:
        raise InputError(f"{name} must be >= {low}, got {value}")
    return value


def make_config(form: TrainingForm, device: str = "auto", **extra: Any) -> Any:
    """A ``Word2VecConfig`` from the form (raises the engine's InputError on a bad value)."""
    from engine.embeddings.word2vec import Word2VecConfig

    kwargs = dict(
        corpus=form.corpus.strip() or "default",
        model=form.model,
        loss=form.loss,
        dim=_int(form.dim, "dim", 1),
        window=_int(form.window, "window", 1),
        epochs=_int(form.epochs, "epochs", 1),
        min_count=_int(form.min_count, "min-count", 1),
        device=device,
    )
    watch = parse_watch(form.watch)
    if watch:
        kwargs["watch"] = watch
    kwargs.update(extra)
    return Word2VecConfig(**kwargs)


def training_factory(form: TrainingForm, device: str = "auto", **extra: Any):
    """Run factory: ``train_word2vec`` events, or one TrainingRejected for a bad form."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.errors import InputError

        try:
            config = make_config(form, device, **extra)
        except InputError as exc:
            yield TrainingRejected(str(exc))
            return
        from engine.embeddings.word2vec import train_word2vec

        describe = getattr(config, "describe", None)
        yield TrainingPreparing(describe() if callable(describe) else str(config.corpus))
        yield from train_word2vec(config, stop)

    return factory


def neighbour_words(wv: Any, watch: Sequence[str], per_word: int = 4) -> tuple[list[str], list[int], list[str]]:
    """The watch words known to ``wv`` and their nearest neighbours: (words, groups, missing)."""
    words: list[str] = []
    groups: list[int] = []
    missing: list[str] = []
    known = 0
    for word in watch:
        key = word if word in wv else word.lower()
        if key not in wv:
            missing.append(word)
            continue
        for w in [key] + [n for n, _ in wv.most_similar(positive=[key], topn=per_word)]:
            if w not in words:
                words.append(w)
                groups.append(known)
        known += 1
    return words, groups, missing


def project(wv: Any, words: Sequence[str], method: str, seed: int = 0) -> Any:
    """(N, 2) coordinates of ``words`` by the engine's PCA or t-SNE."""
    import numpy as np

    matrix = np.stack([np.asarray(wv.vector(w), dtype=np.float32) for w in words])
    try:
        from engine.embeddings import projection
    except ImportError:  # the engine's projection module is not there: PCA by SVD, t-SNE refused
        if method == "tsne":
            from engine.errors import InputError

            raise InputError("t-SNE is not available in this build; ctrl+o switches back to PCA") from None
        centred = matrix - matrix.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        return centred @ vt[:2].T
    if method == "tsne":
        return projection.tsne(matrix, seed=seed)
    return projection.pca(matrix)


def projection_factory(wv: Any, watch: Sequence[str], method: str, lookup_word: str | None):
    """Run factory: one :class:`Projected` (scatter of the watch words and neighbours, and the lookup)."""

    def factory(stop: threading.Event) -> Iterator[Projected]:
        from engine.errors import InputError

        from explorer.widgets.embedding_lookup import lookup_view

        words, groups, missing = neighbour_words(wv, watch)
        xy: tuple[tuple[float, float], ...] = ()
        failure = ""
        if len(words) >= 2:
            try:
                coords = project(wv, words, method)
                xy = tuple((float(x), float(y)) for x, y in coords)
            except InputError as exc:
                failure = str(exc)
        elif words:
            xy = ((0.0, 0.0),)
        view, error = None, ""
        if lookup_word:
            try:
                key = lookup_word if lookup_word in wv else lookup_word.lower()
                view = lookup_view(wv, key if key in wv else lookup_word)
            except InputError as exc:
                error = str(exc)
        yield Projected(tuple(words), xy, tuple(groups), method, tuple(missing), view, error, failure)

    return factory


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(event: Any, epochs: int | None = None) -> str:
    """One status line from a training ``Progress`` event (fields read defensively)."""
    get = lambda name, default=None: getattr(event, name, default)  # noqa: E731
    parts = []
    epoch, epochs = get("epoch"), get("epochs", epochs)
    if epoch is not None:
        parts.append(f"epoch {epoch}" + (f"/{epochs}" if epochs else ""))
    done, total = get("words_done"), get("total_words")
    if done is not None:
        parts.append(f"{done:,}" + (f" / {total:,} words" if total else " words"))
    loss = get("loss")
    if loss is not None and loss == loss:
        parts.append(f"loss {loss:.4f}")
    epoch_loss = get("epoch_loss")
    if epoch_loss is not None:
        parts.append(f"epoch mean {epoch_loss:.4f}")
    wps = get("words_per_s")
    if wps is not None:
        parts.append(f"{wps:,.0f} words/s")
    lr = get("lr")
    if lr is not None:
        parts.append(f"lr {lr:.4g}")
    parts.append(f"{format_eta(get('eta_s'))} left")
    return "  ·  ".join(parts)


def started_line(event: Any) -> str:
    """'skipgram + negative … · 5,138,864 corpus words, vocabulary 30,151 · device cpu'."""
    vocab, corpus = getattr(event, "vocab_size", None), getattr(event, "corpus_words", None)
    facts = [getattr(event, "description", "")]
    if vocab is not None and corpus is not None:
        facts.append(f"{corpus:,} corpus words, vocabulary {vocab:,}")
    facts.append(f"device {getattr(event, 'device', '?')}")
    return " · ".join(f for f in facts if f)


def watch_lines(neighbours: Any) -> str:
    """One line per watch word: ``king → queen 0.71  prince 0.68 …`` (a mapping or (word, pairs) items)."""
    items = neighbours.items() if isinstance(neighbours, dict) else neighbours
    lines = []
    for word, near in items:
        shown = "  ".join(f"{w} {s:.2f}" for w, s in list(near)[:5]) or "(not in the vocabulary)"
        lines.append(f"{word:>10} → {shown}")
    return "\n".join(lines) or "(no watch words)"
