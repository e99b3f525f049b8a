"""Subsampling of frequent words (Mikolov et al. 2013, "Distributed Representations…", §2.3).

Public API::

    keep_probabilities(counts, sample=1e-3) -> np.ndarray     # (V,) float64 in (0, 1]

Each occurrence of word w is discarded with some probability before windows are taken, so
"the", "of", "and" stop dominating the updates and the window reaches further.

**Formula used: the C tool's and gensim's**, not the paper's. With ``f(w) = count(w) / N``
(N = total count of the vocabulary's words) and threshold ``t = sample``::

    P_keep(w) = (sqrt(f(w) / t) + 1) · t / f(w)        capped at 1

(gensim ``Word2Vec.prepare_vocab``: ``(sqrt(v / threshold_count) + 1) * (threshold_count / v)``
with ``threshold_count = sample · N``). The paper writes ``P_discard(w) = 1 − sqrt(t / f(w))``,
i.e. ``P_keep = sqrt(t / f)``; the code's version keeps a little more (the extra ``t / f``
term) and is what every published word2vec result was produced with. ``sample = 0``
disables subsampling (every keep probability is 1).
"""

from __future__ import annotations

import numpy as np

from engine.errors import InputError


def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of every word (gensim's formula, see above)."""
    if sample < 0:
        raise InputError(f"sample must be >= 0 (0 disables subsampling), got {sample}")
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / threshold) + 1.0) * (threshold / counts)
    return np.minimum(keep, 1.0)
