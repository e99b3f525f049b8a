"""Negative sampling: draw "noise" words from the smoothed unigram distribution.

Public API::

    noise_distribution(counts, power=0.75) -> np.ndarray     # P_n(w) = f(w)^¾ / Σ_v f(v)^¾
    NegativeSampler(counts, power=0.75).sample(rng, shape)   # word ids, int64

Mikolov et al. (2013) found that raising the unigram frequencies to the power ¾ before
normalising works better than the plain unigram or uniform distribution: rare words are
drawn somewhat more often than their frequency, frequent ones somewhat less.

The sampler uses Walker's alias method (Vose's construction): one uniform column and one
coin per draw, O(1) and exact up to float rounding, where the C tool uses a 10⁸-entry
table and gensim a binary search in a cumulative table.
"""

from __future__ import annotations

import numpy as np

from engine.errors import InputError


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """``P_n(w) = f(w)^power / Σ_v f(v)^power`` as float64, summing to 1."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or (counts < 0).any() or counts.sum() <= 0:
        raise InputError("negative sampling needs a non-empty vector of non-negative word counts")
    weights = counts**power
    return weights / weights.sum()


class NegativeSampler:
    """Draws word ids with probability ``P_n(w)`` (see :func:`noise_distribution`)."""

    def __init__(self, counts: np.ndarray, power: float = 0.75) -> None:
        self.probabilities = noise_distribution(counts, power)
        self._accept, self._alias = _alias_table(self.probabilities)

    def __len__(self) -> int:
        return len(self.probabilities)

    @property
    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(accept (V,) float32, alias (V,) int64): draw column c uniformly, keep it with probability accept[c], else alias[c]."""
        return self._accept, self._alias

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
        """An array of ``shape`` word ids (int64) drawn independently from ``P_n``."""
        column = rng.integers(0, len(self._accept), shape)
        coin = rng.random(shape, dtype=np.float32)
        return np.where(coin < self._accept[column], column, self._alias[column])


def _alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table: column i keeps i with probability accept[i], else gives alias[i]."""
    n = len(p)
    scaled = p * n
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        accept[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return accept.astype(np.float32), alias
