"""Colour maps for activations, readable on light and dark themes.

``diverging(v)`` for values in [−1, 1] (tanh states, c̃): blue ← grey → red.
``sequential(v)`` for values in [0, 1] (gates): dark blue → teal → yellow (viridis-like).
Both return a Rich ``Color``; ``text_on(color)`` picks black or white text for it.
"""

from __future__ import annotations

import math

from rich.color import Color

_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
_DIVERGING = ((33, 102, 172), (103, 169, 207), (160, 160, 160), (239, 138, 98), (178, 24, 43))


def _interp(stops: tuple[tuple[int, int, int], ...], t: float) -> Color:
    if not math.isfinite(t):
        return Color.from_rgb(255, 0, 255)
    t = min(1.0, max(0.0, t))
    pos = t * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    f = pos - i
    a, b = stops[i], stops[i + 1]
    return Color.from_rgb(*(round(a[k] + (b[k] - a[k]) * f) for k in range(3)))


def sequential(value: float, lo: float = 0.0, hi: float = 1.0) -> Color:
    return _interp(_VIRIDIS, (value - lo) / ((hi - lo) or 1.0))


def diverging(value: float, lo: float = -1.0, hi: float = 1.0) -> Color:
    return _interp(_DIVERGING, (value - lo) / ((hi - lo) or 1.0))


def colour_for(value: float, lo: float, hi: float) -> Color:
    """Diverging when the range straddles zero, sequential otherwise."""
    return diverging(value, lo, hi) if lo < 0 < hi else sequential(value, lo, hi)


def text_on(color: Color) -> str:
    r, g, b = color.get_truecolor()
    return "black" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "white"
