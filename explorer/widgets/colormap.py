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


def relative_luminance(color: Color) -> float:
    """WCAG relative luminance of ``color`` (0 black … 1 white)."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


BLACK, WHITE = Color.from_rgb(0, 0, 0), Color.from_rgb(255, 255, 255)


def text_on(color: Color) -> str:
    """Black or white text, whichever contrasts more with ``color`` (true colours: a theme's ANSI
    "white" is often a light grey that reads poorly on mid-tone backgrounds)."""
    return "#000000" if contrast_ratio(color, BLACK) >= contrast_ratio(color, WHITE) else "#ffffff"


READABLE_GREEN = "bold #289128"
"""A green with a contrast of at least 3:1 on both Textual's light (#e0e0e0) and dark (#121212)
backgrounds (4.6:1 on dark); ANSI "green3" was 1.5:1 on the light theme."""
