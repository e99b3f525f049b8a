"""Frozen, query-only word vectors: the embedding matrix E and what you can ask of it.

The course writes the embedding matrix as E with one column per word, and the embedding of
word j as the product with its one-hot vector, ``e_j = E·O_j``. Here the matrix is stored
the other way round, one row per word, ``vectors`` of shape (V, D), so
``e_j = vectors[j] = vectorsᵀ·O_j`` (:meth:`WordVectors.one_hot_lookup` does exactly that
product, for teaching; :meth:`WordVectors.vector` is the cheap row lookup).

Similarity is the cosine ``cos(u, v) = u·v / (‖u‖ ‖v‖)``. The row norms ‖e_w‖ are computed
once, lazily, and cached; scores over the whole vocabulary are ``E·q / ‖e_w‖`` (the same
arithmetic as gensim's ``KeyedVectors.most_similar``), so a memory-mapped matrix is never
copied just to answer a query. :attr:`WordVectors.unit_vectors` (every row divided by its
norm) is also cached lazily, for the callers that want the whole normalised matrix.

Analogy "a is to b as c is to ?":

- 3CosAdd (Mikolov et al. 2013): ``argmax_w cos(e_w, e_c − e_a + e_b)``, computed as gensim
  does on unit vectors: ``q = unit((ê_b + ê_c − ê_a) / 3)``, score ``cos(e_w, q)``.
- 3CosMul (Levy & Goldberg 2014, eq. 4): ``argmax_w cos'(w,b)·cos'(w,c) / (cos'(w,a) + ε)``
  with cosines shifted to [0, 1], ``cos' = (1 + cos) / 2``, and ε = 1e-3 as in the paper
  (gensim's ``most_similar_cosmul`` uses ε = 1e-6; the ranking rarely differs).

The query words are excluded from the answers by default, as gensim and the original C tool
do; ``exclude_query=False`` keeps them (the "fair analogy" view of Nissim et al. 2019, where
king − man + woman is often closest to king itself).
"""

from __future__ import annotations

from typing import Iterable, Literal, Sequence

import numpy as np

from engine.embeddings.spelling import close_spellings
from engine.errors import InputError, UnknownWordError

_NORM_SLICE = 16_384

COSMUL_EPS = 1e-3
"""ε of 3CosMul (Levy & Goldberg 2014)."""


class WordVectors:
    """Word vectors to query: ``words`` (frequency order where known) and ``vectors`` (V, D) float32.

    Frozen: the matrix is read-only and no attribute can be reassigned. ``counts`` (V,) are the
    corpus frequencies when known; ``name`` says where the vectors came from ("glove", a path).
    """

    __slots__ = ("_words", "_vectors", "_counts", "_name", "_index", "_norms", "_unit")

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        *,
        counts: np.ndarray | None = None,
        name: str = "",
    ) -> None:
        words = tuple(map(str, words))
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise InputError(f"vectors must be a (V, D) matrix, got shape {vectors.shape}")
        if len(words) != vectors.shape[0]:
            raise InputError(f"{len(words)} words but {vectors.shape[0]} vectors; they must match one to one")
        if vectors.shape[0] == 0 or vectors.shape[1] == 0:
            raise InputError(f"vectors must not be empty, got shape {vectors.shape}")
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        if vectors.flags.writeable:
            vectors = vectors.view()
            vectors.flags.writeable = False
        # word → first row holding it (built back to front so the first occurrence wins)
        index: dict[str, int] = dict(zip(reversed(words), range(len(words) - 1, -1, -1)))
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64).copy()
            if counts.shape != (len(words),):
                raise InputError(f"counts must have shape ({len(words)},), got {counts.shape}")
            counts.flags.writeable = False
        set_ = object.__setattr__
        set_(self, "_words", words)
        set_(self, "_vectors", vectors)
        set_(self, "_counts", counts)
        set_(self, "_name", str(name))
        set_(self, "_index", index)
        set_(self, "_norms", None)
        set_(self, "_unit", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"WordVectors is frozen; cannot set {name!r}")

    # ----------------------------------------------------------------- the matrix

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        """E as rows: (V, D) float32, read-only (possibly memory-mapped)."""
        return self._vectors

    @property
    def counts(self) -> np.ndarray | None:
        return self._counts

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def norms(self) -> np.ndarray:
        """‖e_w‖ for every row, (V,) float32, computed once."""
        if self._norms is None:
            # in slices, so a memory-mapped matrix never gets a full-size temporary; per row this
            # is np.linalg.norm's own arithmetic (gensim's norms, to the last bit)
            norms = np.empty(len(self._words), dtype=np.float32)
            for lo in range(0, len(norms), _NORM_SLICE):
                block = self._vectors[lo : lo + _NORM_SLICE]
                norms[lo : lo + len(block)] = np.linalg.norm(block, axis=1)
            norms[norms == 0] = 1.0  # a zero vector scores 0 against everything instead of NaN
            norms.flags.writeable = False
            object.__setattr__(self, "_norms", norms)
        return self._norms

    @property
    def unit_vectors(self) -> np.ndarray:
        """Every row divided by its norm, (V, D) float32, computed once."""
        if self._unit is None:
            unit = self._vectors / self.norms[:, None]
            unit.flags.writeable = False
            object.__setattr__(self, "_unit", unit)
        return self._unit

    @property
    def key_to_index(self) -> dict[str, int]:
        """word → row (a copy, so the frozen vectors cannot be changed through it)."""
        return dict(self._index)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._index

    def __len__(self) -> int:
        return len(self._words)

    def __repr__(self) -> str:
        return f"WordVectors(name={self._name!r}, words={len(self)}, dim={self.dim})"

    def index(self, word: str) -> int:
        """Row of ``word``; :class:`UnknownWordError` (with close spellings) when it is unknown."""
        try:
            return self._index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(str(word), close_spellings(str(word), self._index)) from None

    def suggestions(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Vocabulary words spelled like ``word``, most likely first."""
        return close_spellings(word, self._index, limit)

    def vector(self, word: str) -> np.ndarray:
        """e_word, (D,) float32 (a read-only view of the row)."""
        return self._vectors[self.index(word)]

    def one_hot_lookup(self, word: str) -> tuple[int, np.ndarray]:
        """(j, O_j): the row of ``word`` and its one-hot vector (V,), so that ``e_j = E·O_j``.

        With E stored as rows, ``e_j = vectorsᵀ @ O_j``; this equals :meth:`vector`.
        """
        j = self.index(word)
        one_hot = np.zeros(len(self), dtype=np.float32)
        one_hot[j] = 1.0
        return j, one_hot

    # ---------------------------------------------------------------- similarity

    def similarity(self, w1: str, w2: str) -> float:
        """cos(e_w1, e_w2)."""
        i, j = self.index(w1), self.index(w2)
        u = self._vectors[i] / self.norms[i]
        v = self._vectors[j] / self.norms[j]
        return float(np.dot(u, v))

    def cosine_scores(self, query: np.ndarray, restrict_vocab: int | None = None) -> np.ndarray:
        """cos(e_w, query) for every word w (the first ``restrict_vocab`` words when given), (V,)."""
        end = self._end(restrict_vocab)
        q = np.asarray(query, dtype=np.float32)
        qn = float(np.linalg.norm(q))
        if qn > 0:
            q = q / qn
        return np.dot(self._vectors[:end], q) / self.norms[:end]

    def _end(self, restrict_vocab: int | None) -> int:
        if restrict_vocab is None:
            return len(self)
        if int(restrict_vocab) < 1:
            raise InputError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
        return min(int(restrict_vocab), len(self))

    def _resolve(self, items: Iterable[object]) -> tuple[list[np.ndarray], list[int]]:
        """Unit vectors of words (or given vectors), and the rows of the words among them."""
        units, rows = [], []
        for item in items:
            if isinstance(item, str):
                j = self.index(item)
                rows.append(j)
                units.append(self._vectors[j] / self.norms[j])
            else:
                v = np.asarray(item, dtype=np.float32)
                if v.shape != (self.dim,):
                    raise InputError(f"a query vector must have shape ({self.dim},), got {v.shape}")
                n = float(np.linalg.norm(v))
                units.append(v / n if n > 0 else v)
        return units, rows

    def most_similar(
        self,
        positive: Sequence[object] | str = (),
        negative: Sequence[object] | str = (),
        topn: int = 10,
        *,
        exclude_query: bool = True,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest to ``unit(mean(ê_p for p in positive) − ê_n for n in negative))``, best first.

        As gensim's ``most_similar``: each word counts through its unit vector ê, positive with
        weight +1 and negative with −1; the mean is normalised; the score is the cosine.
        """
        positive = [positive] if isinstance(positive, (str, np.ndarray)) else list(positive)
        negative = [negative] if isinstance(negative, (str, np.ndarray)) else list(negative)
        if not positive and not negative:
            raise InputError("most_similar needs at least one word")
        if topn < 1:
            return []
        pos, rows_p = self._resolve(positive)
        neg, rows_n = self._resolve(negative)
        mean = (np.sum(pos, axis=0) if pos else 0) - (np.sum(neg, axis=0) if neg else 0)
        mean = np.asarray(mean, dtype=np.float32) / (len(pos) + len(neg))
        scores = self.cosine_scores(mean, restrict_vocab)
        exclude = set(rows_p + rows_n) if exclude_query else set()
        return self._top(scores, topn, exclude)

    def _top(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        """The ``topn`` best rows of ``scores`` not in ``exclude``; ties go to the more frequent word."""
        k = min(len(scores), topn + len(exclude))
        if k < len(scores):
            cand = np.argpartition(-scores, k - 1)[:k]
        else:
            cand = np.arange(len(scores))
        order = cand[np.lexsort((cand, -scores[cand]))]
        out = [(self._words[i], float(scores[i])) for i in order if int(i) not in exclude]
        return out[:topn]

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        *,
        topn: int = 10,
        method: Literal["add", "mul"] = "add",
        exclude_query: bool = True,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """"a is to b as c is to ?" by 3CosAdd (``method="add"``) or 3CosMul (``"mul"``)."""
        if method == "add":
            return self.most_similar(
                positive=[b, c], negative=[a], topn=topn, exclude_query=exclude_query, restrict_vocab=restrict_vocab
            )
        if method != "mul":
            raise InputError(f"method must be 'add' or 'mul', got {method!r}")
        ia, ib, ic = self.index(a), self.index(b), self.index(c)
        if topn < 1:
            return []
        shifted = [(1.0 + self.cosine_scores(self._vectors[j], restrict_vocab)) / 2.0 for j in (ia, ib, ic)]
        scores = (shifted[1] * shifted[2] / (shifted[0] + COSMUL_EPS)).astype(np.float32)
        return self._top(scores, topn, {ia, ib, ic} if exclude_query else set())

    def neighbours(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words closest to ``word`` by cosine, the word itself left out."""
        return self.most_similar(positive=[word], topn=topn)

    neighbors = neighbours

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest (by cosine) from the normalised mean of the words' unit vectors."""
        words = list(words)
        if len(words) < 2:
            raise InputError(f"doesnt_match needs at least 2 words, got {len(words)}")
        units, _ = self._resolve(words)
        u = np.vstack(units)
        mean = u.mean(axis=0)
        mean = mean / (np.linalg.norm(mean) or 1.0)
        return words[int(np.argmin(u @ mean))]


MIN_EXPOSURES = 200
"""A trained word's count × epochs below this, and its neighbours are mostly noise (measured on
the bundled corpus: after 1 epoch "frog" (65 occurrences) sits at cosine 0.99 from unrelated
words, while words seen a few hundred times get sensible neighbours)."""


def undertrained_warning(word: str, count: int | None, epochs: float | None) -> str | None:
    """One line saying that ``word``'s vector saw too little training to trust, or None.

    ``count``: the word's occurrences in the training corpus; ``epochs``: passes trained (None
    when unknown: then the count alone decides). Nothing to say without a count (pretrained GloVe).
    """
    if count is None:
        return None
    passes = epochs if epochs is not None and epochs > 0 else 1.0
    if count * passes >= MIN_EXPOSURES:
        return None
    trained = f" over {passes:g} epoch{'s' if passes != 1 else ''}" if epochs is not None else ""
    return (f"'{word}' occurs only {count:,} times in the training corpus{trained}: its neighbours are "
            f"mostly noise (trust words seen about {MIN_EXPOSURES} times × epochs or more); train more epochs "
            "or on a bigger corpus")
