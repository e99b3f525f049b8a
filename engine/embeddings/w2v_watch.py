"""What word2vec reports about its vectors while it trains: watched words' neighbours and a quick
analogy score (the ``WatchNeighbours`` and ``QuickAnalogy`` events of
:mod:`engine.embeddings.events`).

Public API::

    watch_neighbours(vectors, words, topn, words_done) -> WatchNeighbours
    QuickAnalogies(path, vocab, questions, seed).run(matrix, words_done) -> QuickAnalogy
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.embeddings.events import QuickAnalogy, WatchNeighbours
from engine.embeddings.vocab import WordCounts
from engine.errors import InputError


def watch_neighbours(wv, words: tuple[str, ...], topn: int, done: int) -> WatchNeighbours:
    """The ``topn`` nearest neighbours of each of ``words`` (an empty tuple for an unknown word), and the
    vectors of the known words and their neighbours (each once)."""
    out = []
    vectors: dict[str, tuple[float, ...]] = {}
    for word in words:
        near = tuple(wv.neighbours(word, topn)) if word in wv else ()
        out.append((word, near))
        for w in ([word] if near else []) + [n for n, _ in near]:
            if w not in vectors:
                vectors[w] = tuple(float(x) for x in wv.vector(w))
    return WatchNeighbours(words_done=done, neighbours=tuple(out), vectors=tuple(vectors.items()))


class QuickAnalogies:
    """A fixed, seeded subset of in-vocabulary analogy questions answered by 3CosAdd."""

    def __init__(self, path: str, vocab: WordCounts, questions: int, seed: int) -> None:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"analogy file {str(file)!r} does not exist; give a questions-words file",
                             field="analogy_file")
        quads = []
        with open(file, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(":"):
                    continue
                idx = [vocab.index(w.lower()) for w in line.split()]
                if len(idx) == 4 and min(idx) >= 0:
                    quads.append(idx)
        rng = np.random.default_rng(seed)
        quads_a = np.array(quads, dtype=np.int64).reshape(-1, 4)
        if len(quads_a) > questions:
            quads_a = quads_a[rng.choice(len(quads_a), questions, replace=False)]
        self.quads = quads_a

    def run(self, matrix: np.ndarray, done: int) -> QuickAnalogy:
        if len(self.quads) == 0:
            return QuickAnalogy(words_done=done, correct=0, total=0)
        unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        a, b, c, expected = self.quads.T
        q = unit[b] - unit[a] + unit[c]  # (Q, D)
        scores = q @ unit.T  # (Q, V)
        rows = np.arange(len(q))
        for col in (a, b, c):  # the query words are excluded
            scores[rows, col] = -np.inf
        return QuickAnalogy(words_done=done, correct=int((scores.argmax(1) == expected).sum()), total=len(q))
