"""The Embeddings screen's picture of the vectors: a 2-D scatter of the watch words and their
neighbours (the engine's PCA or t-SNE), and the one-hot lookup ``e_j = E·O_j`` of one word.

:func:`projection_factory` is a run factory for :func:`explorer.runs.start_run` (numpy only: it
runs as a light worker that never waits for torch). Its :class:`Projected` is a progress event: when
the user redraws faster than it computes, only the newest picture is shown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from engine.events import ProgressEvent


@dataclass(frozen=True)
class LookupView:
    """A block of E around column j, O_j there, and e_j (what the lookup widget draws)."""

    word: str
    j: int
    vocab_size: int
    dim: int
    columns: tuple[tuple[int, str], ...]
    """(column index, word) of the columns shown, j among them."""
    block: tuple[tuple[float, ...], ...]
    """E's first rows restricted to those columns: block[d][k] = E[d, columns[k]]."""
    e_j: tuple[float, ...]
    """E·O_j, first rows (computed by the product, not by indexing)."""
    max_error: float
    """max |E·O_j − E[:, j]| over every dimension (0 when the lookup is the column)."""


def lookup_view(wv: Any, word: str, rows: int = 6, cols: int = 9) -> LookupView:
    """Compute the view for ``word`` (raises the engine's UnknownWordError when unknown).

    In the course E is a D × V matrix, one column per word, and the embedding of word j is the
    product with its one-hot vector O_j. The product is really computed (``O_j @ vectors``, a V-long
    dot per dimension) and checked against the column: a lookup *is* a matrix product, only a
    wasteful one, which is why libraries index the column instead.
    """
    import numpy as np

    j, one_hot = wv.one_hot_lookup(word)
    vectors = wv.vectors  # (V, D): row w is e_w, i.e. column w of the course's E
    e_j_full = one_hot @ vectors  # (V,) @ (V, D) → (D,): e_j = E·O_j
    max_error = float(np.max(np.abs(e_j_full - vectors[j])))
    vocab = len(wv)
    first = min(max(j - cols // 2, 0), max(vocab - cols, 0))
    columns = tuple((k, wv.words[k]) for k in range(first, min(first + cols, vocab)))
    dims = min(rows, wv.dim)
    block = tuple(tuple(float(vectors[k, d]) for k, _ in columns) for d in range(dims))
    return LookupView(word, j, vocab, wv.dim, columns, block, tuple(float(x) for x in e_j_full[:dims]), max_error)


@dataclass(frozen=True)
class Projected(ProgressEvent):
    """2-D coordinates of ``words`` (``groups[i]`` colours word i) by ``method``."""

    words: tuple[str, ...]
    xy: tuple[tuple[float, float], ...]
    groups: tuple[int, ...]
    method: str
    missing: tuple[str, ...] = ()
    lookup: LookupView | None = None
    """The lookup of the chosen word, if any."""
    lookup_error: str = ""
    error: str = ""
    """Why the projection could not be drawn (e.g. t-SNE with fewer than 3 words)."""
    request: int = 0
    """The screen's number for the picture it asked for (a late answer to an older request is dropped)."""


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


def _coordinates(matrix: Any, method: str) -> tuple[tuple[tuple[float, float], ...], str]:
    """(N, 2) coordinates of the rows of ``matrix`` as tuples, or () and why not."""
    import numpy as np

    from engine.embeddings import projection
    from engine.errors import InputError

    if len(matrix) < 2:
        return ((0.0, 0.0),) * len(matrix), ""
    matrix = np.asarray(matrix, dtype=np.float32)
    try:
        coords = projection.tsne(matrix, seed=0) if method == "tsne" else projection.pca(matrix)
    except InputError as exc:
        return (), str(exc)
    return tuple((float(x), float(y)) for x, y in coords), ""


def snapshot_words(neighbours: Sequence[tuple[str, Sequence[tuple[str, float]]]], vectors: Sequence[tuple[str, Any]],
                   per_word: int = 4) -> tuple[list[str], list[int], list[str], list[Any]]:
    """A training run's watch snapshot (``WatchNeighbours.neighbours`` and ``.vectors``) as the scatter's
    points: each known watch word and its first ``per_word`` neighbours (words, groups, missing, vectors)."""
    known = dict(vectors)
    words: list[str] = []
    groups: list[int] = []
    missing: list[str] = []
    group = 0
    for word, near in neighbours:
        if word not in known:
            missing.append(word)
            continue
        for w in [word] + [n for n, _ in list(near)[:per_word]]:
            if w not in words and w in known:
                words.append(w)
                groups.append(group)
        group += 1
    return words, groups, missing, [known[w] for w in words]


def snapshot_factory(neighbours: Any, vectors: Any, method: str, request: int = 0):
    """Run factory: one :class:`Projected` of a training run's watch snapshot (no lookup: the run's E
    is not there until it ends)."""

    def factory(stop: threading.Event) -> Iterator[Projected]:
        words, groups, missing, rows = snapshot_words(neighbours, vectors)
        xy, failure = _coordinates(rows, method) if words else ((), "")
        yield Projected(tuple(words), xy, tuple(groups), method, tuple(missing), error=failure, request=request)

    return factory


def projection_factory(wv: Any, watch: Sequence[str], method: str, lookup_word: str | None, request: int = 0):
    """Run factory: one :class:`Projected` (scatter of the watch words and neighbours, and the lookup)."""

    def factory(stop: threading.Event) -> Iterator[Projected]:
        import numpy as np

        from engine.errors import InputError

        words, groups, missing = neighbour_words(wv, watch)
        rows = [np.asarray(wv.vector(w), dtype=np.float32) for w in words]
        xy, failure = _coordinates(rows, method) if words else ((), "")
        view, error = None, ""
        if lookup_word:
            try:
                key = lookup_word if lookup_word in wv else lookup_word.lower()
                view = lookup_view(wv, key if key in wv else lookup_word)
            except InputError as exc:
                error = str(exc)
        yield Projected(tuple(words), xy, tuple(groups), method, tuple(missing), view, error, failure, request)

    return factory
