"""Which units of a recurrent layer track a pattern in the text (Karpathy's "interpretable cells").

Public API::

    correlate_pattern(tokens, values, pattern, top=5) -> list[(unit, r)]

The indicator ``m⟨t⟩`` is 1 where token t overlaps a match of ``pattern`` (a regular expression over
the characters of the joined tokens), else 0; each unit's score is the Pearson correlation

    r_u = Σ_t (v⟨t⟩_u − v̄_u)(m⟨t⟩ − m̄) / √(Σ_t (v⟨t⟩_u − v̄_u)² · Σ_t (m⟨t⟩ − m̄)²)

of its activation with ``m``. numpy only.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from engine.errors import InputError


def match_indicator(tokens: Sequence[str], pattern: str) -> np.ndarray:
    """``(T,)`` 1.0 where token t overlaps a match of ``pattern``, else 0.0."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise InputError(f"pattern {pattern!r} is not a valid regular expression: {exc}", field="pattern") from None
    text = "".join(tokens)
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)
    covered = np.zeros(len(text) + 1, dtype=bool)
    for m in regex.finditer(text):
        covered[m.start():max(m.end(), m.start() + 1)] = True  # an empty match marks its position
    return np.array([covered[s:s + max(len(tok), 1)].any() for s, tok in zip(starts, tokens)], dtype=float)


def correlate_pattern(tokens: Sequence[str], values, pattern: str, top: int = 5) -> list[tuple[int, float]]:
    """The ``top`` units of ``values`` ``(T, H)`` best correlated with ``pattern``: ``(unit, r)`` by
    decreasing ``|r|``. :class:`InputError` for a bad pattern or one that matches every token or none."""
    indicator = match_indicator(tokens, pattern)
    if indicator.size == 0 or indicator.min() == indicator.max():
        where = "every" if indicator.size and indicator[0] else "no"
        raise InputError(f"pattern {pattern!r} matches {where} token of the text; try another pattern",
                         field="pattern")
    x = np.asarray(values, dtype=float)[: len(tokens)]  # (T, H)
    xc = x - x.mean(axis=0)
    mc = indicator - indicator.mean()
    denom = np.sqrt((xc ** 2).sum(axis=0) * (mc ** 2).sum())
    r = np.divide(xc.T @ mc, denom, out=np.zeros(x.shape[1]), where=denom > 0)
    order = np.argsort(-np.abs(r))[:top]
    return [(int(u), float(r[u])) for u in order]


__all__ = ["correlate_pattern", "match_indicator"]
