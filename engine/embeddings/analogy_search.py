"""Exact 3CosAdd search for many analogy questions at once, answering as gensim does.

For question (a, b, c) the score of candidate row w is

    s_w = cos(e_w, e_b) − cos(e_w, e_a) + cos(e_w, e_c)  =  ê_w · (ê_b − ê_a + ê_c)

(gensim's cosine with ``unit(ê_b + ê_c − ê_a)`` divided by a positive constant of the question,
so the argmax is the same). The rows a, b, c themselves are not candidates.

**Shared cosines.** A batch of questions uses few distinct words (the file's sections reuse
them), so for a chunk of the vocabulary the cosines of those words with every row are one
matrix product, ``C = Û·Êᵀ`` (words × rows), and the offsets ``O_p = C[b] − C[a]`` are computed
once per distinct pair (a, b). A question's scores are then ``O_p + C[c]``: no product per
question.

**Exact pruning.** The vocabulary is read in frequency order, in chunks cut into tiles of
``TILE`` rows. For each tile the maxima ``max O_p`` and ``max C[c]`` over its rows are cheap
(one per pair or word, not per question), and ``max O_p + max C[c]`` bounds every score of
the question in that tile (floating-point addition is monotonic, so the bound holds for the
computed scores too). A tile whose bound is below the question's best score so far minus
``TIE_TOLERANCE`` cannot hold the answer nor a near-tie, and is skipped. The most frequent rows
come first and usually hold a strong answer, so most tiles of rarer words are skipped.

**Near-ties.** The best and second-best candidates are kept per question; when they are closer
than ``TIE_TOLERANCE`` (float32 rounding could order them either way), and when a query word has
other spellings in the vocabulary (gensim's top-5 check, see :mod:`engine.embeddings.evaluate`),
the question is answered again with gensim's own arithmetic, so every verdict equals gensim's.
"""

from __future__ import annotations

from typing import Generator

import numpy as np

from engine.embeddings.vectors import WordVectors

TIE_TOLERANCE = 1e-5
"""Best and second-best scores closer than this are re-checked with gensim's arithmetic."""
GENSIM_TOPN = 5
"""gensim's evaluate_word_analogies looks at the 5 best candidates."""
TILE = 256
"""Rows per tile: the unit of pruning."""
CHUNK = 8192
"""Rows per vocabulary chunk (a multiple of TILE)."""
FIRST_CHUNK = 1024
"""Rows of the first chunk (a multiple of TILE), scored in full."""
_SLICE = 4096
"""Surviving (question, tile) pairs scored at once: _SLICE × TILE floats (4 MiB)."""
_PAD = -10.0
"""Cosine given to padding rows: their score is −10, below any real score (≥ −3)."""


class AnalogySearch:
    """3CosAdd over the first ``rows`` words; ``group[r]`` is the row whose spelling r stands for."""

    def __init__(self, wv: WordVectors, rows: int, group: np.ndarray) -> None:
        self.vectors = wv.vectors[:rows]
        self.norms = np.ascontiguousarray(wv.norms[:rows])
        self.rows = rows
        self.group = group
        self.spelled = np.bincount(group, minlength=rows) > 1  # rows with other spellings

    def answer(self, abc: np.ndarray) -> np.ndarray:
        """Predicted row per question (rows a, b, c); −1 when there is no candidate."""
        steps = self.iter_answer(abc)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def iter_answer(self, abc: np.ndarray) -> Generator[float, None, np.ndarray]:
        """:meth:`answer` step by step: yields the fraction of the vocabulary done after each
        chunk, and returns the predicted rows."""
        abc = np.asarray(abc, dtype=np.int64).reshape(-1, 3)
        n = len(abc)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        words, pos = np.unique(abc, return_inverse=True)
        pos = pos.reshape(abc.shape)  # (n, 3): a, b, c as positions in `words`
        pairs, pair_of = np.unique(pos[:, 0] * len(words) + pos[:, 1], return_inverse=True)
        pair_a, pair_b = pairs // len(words), pairs % len(words)  # (P,) distinct (a, b)
        c_of = pos[:, 2]
        unit = (self.vectors[words] / self.norms[words][:, None]).astype(np.float32)  # (U, D)
        best = np.full(n, -np.inf, dtype=np.float32)
        second = np.full(n, -np.inf, dtype=np.float32)
        arg = np.full(n, -1, dtype=np.int64)
        cos_buf = np.empty((len(words), CHUNK), dtype=np.float32)
        offset_buf = np.empty((len(pairs), CHUNK), dtype=np.float32)
        # a small first chunk gives every question a best score early, so pruning starts soon
        edges = [0, *range(min(FIRST_CHUNK, self.rows), self.rows, CHUNK), self.rows]
        for lo, hi in zip(edges[:-1], edges[1:]):
            tiles = -(-(hi - lo) // TILE)
            cos = cos_buf[:, : tiles * TILE]  # (U, C)
            cos[:, hi - lo :] = _PAD
            np.matmul(unit, self.vectors[lo:hi].T, out=cos[:, : hi - lo])
            cos[:, : hi - lo] /= self.norms[lo:hi]
            offset = offset_buf[:, : tiles * TILE]  # (P, C): cos(w, b) − cos(w, a)
            np.take(cos, pair_b, axis=0, out=offset, mode="clip")
            offset -= cos.take(pair_a, axis=0)
            cos3 = cos.reshape(len(words), tiles, TILE)
            off3 = offset.reshape(len(pairs), tiles, TILE)
            bound = off3.max(axis=2)[pair_of] + cos3.max(axis=2)[c_of]  # (n, tiles)
            live_q, live_t = np.nonzero(bound >= best[:, None] - TIE_TOLERANCE)
            for k0 in range(0, len(live_q), _SLICE):
                q, t = live_q[k0 : k0 + _SLICE], live_t[k0 : k0 + _SLICE]
                self._score_tiles(q, t, lo, off3, cos3, pair_of, c_of, abc, best, second, arg)
            yield hi / self.rows
        arg[best <= _PAD + 1] = -1  # only padding was left: no candidate
        check = (best - second < TIE_TOLERANCE) | self.spelled[abc].any(axis=1)
        for i in np.flatnonzero(check):
            arg[i] = self.gensim_pick(*abc[i])
        return arg

    def _score_tiles(self, q, t, lo, off3, cos3, pair_of, c_of, abc, best, second, arg) -> None:
        """Score the (question q, tile t) pairs (q ascending) and merge them into best/second/arg."""
        k = len(q)
        scores = off3[pair_of[q], t]  # (k, TILE) gathered copy
        scores += cos3[c_of[q], t]  # cos(w, b) − cos(w, a) + cos(w, c)
        start = lo + t * TILE
        for j in range(3):  # leave out the query rows
            r = abc[q, j] - start
            hit = np.flatnonzero((r >= 0) & (r < TILE))
            scores[hit, r[hit]] = -np.inf
        ar = np.arange(k)
        top = scores.argmax(axis=1)
        top_score = scores[ar, top]
        scores[ar, top] = -np.inf
        runner = scores.max(axis=1)
        # per question: its best tile (the first on ties: the more frequent row), then the rest
        first = np.r_[0, np.flatnonzero(np.diff(q)) + 1]  # q is sorted: where each question starts
        uq = q[first]
        seg = np.cumsum(np.r_[0, np.diff(q) != 0])  # segment number of every row
        seg_best = np.maximum.reduceat(top_score, first)
        hits = np.flatnonzero(top_score == seg_best[seg])
        win = hits[np.searchsorted(hits, first)]  # first best row of each segment: the lowest tile
        others = top_score.copy()
        others[win] = -np.inf
        seg_second = np.maximum(np.maximum.reduceat(others, first), runner[win])
        old_best, old_second = best[uq], second[uq]
        better = seg_best > old_best  # ties keep the earlier (more frequent) row
        second[uq] = np.where(better, np.maximum(old_best, seg_second), np.maximum(old_second, seg_best))
        best[uq] = np.where(better, seg_best, old_best)
        arg[uq] = np.where(better, start[win] + top[win], arg[uq])

    def gensim_pick(self, a: int, b: int, c: int) -> int:
        """One question answered exactly as gensim 4.4 does (float32 arithmetic, top-5 check)."""
        weights = np.array([1.0, 1.0, -1.0])
        mean = np.zeros(self.vectors.shape[1], dtype=np.float32)
        for w, r in zip(weights, (b, c, a)):
            mean += w * (self.vectors[r] / self.norms[r])
        mean = mean / np.float64(3.0)
        length = np.sqrt(np.dot(mean, mean))
        if length > 0:
            mean = mean / length
        mean = mean.astype(np.float32)
        dists = np.dot(self.vectors, mean) / self.norms
        topn = GENSIM_TOPN + 3
        if topn >= dists.size:
            ranked = np.argsort(-dists)[:topn]
        else:
            part = np.argpartition(-dists, topn)[:topn]
            ranked = part.take(np.argsort((-dists).take(part)))
        query = (a, b, c)
        result = [int(r) for r in ranked if r not in query][:GENSIM_TOPN]
        ignore = {self.group[a], self.group[b], self.group[c]}
        predicted = -1
        for r in result:
            predicted = r
            if self.group[r] not in ignore:
                break
        return predicted
