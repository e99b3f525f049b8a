"""The training speed the Train screen shows: tokens per second over the last few seconds of training.

Each ``Step`` report carries the speed over the steps since the previous report (``tokens_per_s``).
Those windows are uneven — a report right after another covers a few milliseconds, one after an
evaluation or a checkpoint save covers their time too — so the raw figure swings (1,966 → 208,686
tok/s within one run was seen). :class:`TokenRate` turns the reports back into a count of tokens,
``tokens_per_s × (elapsed_s − previous elapsed_s)``, and shows

    rate = (tokens in the last ``window_s`` seconds of training time) / (those seconds),

which moves only when the real throughput does. ``elapsed_s`` is training time (a pause counts in
neither it nor the window), so the rate is right for live, resumed and watched runs alike. Pure
Python, the one place the app computes it (``tests/explorer/test_token_rate.py``).
"""

from __future__ import annotations

import math
from collections import deque

WINDOW_S = 5.0
"""The seconds of training the shown rate averages over."""


class TokenRate:
    """Tokens per second of training over the last :data:`WINDOW_S` seconds (see the module docstring)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self.reset()

    def reset(self) -> None:
        """A new run: nothing counted yet (the run's clock starts at 0)."""
        self._points: deque[tuple[float, float]] = deque([(0.0, 0.0)])  # (elapsed_s, tokens so far)
        self._tokens = 0.0
        self.rate: float | None = None
        """The latest rate (None before the first report)."""

    def add(self, elapsed_s: float, tokens_per_s: float) -> float | None:
        """Count one ``Step`` report (its ``elapsed_s`` and ``tokens_per_s``); returns the rate."""
        if not (math.isfinite(elapsed_s) and math.isfinite(tokens_per_s)):
            return self.rate
        last_t = self._points[-1][0]
        if elapsed_s < last_t:  # the clock went back: another run in the same folder (watched)
            self.reset()
            last_t = 0.0
        self._tokens += max(tokens_per_s, 0.0) * (elapsed_s - last_t)
        self._points.append((elapsed_s, self._tokens))
        start = elapsed_s - self.window_s
        while len(self._points) > 2 and self._points[1][0] <= start:
            self._points.popleft()  # keep one point at or before the window's start
        t0, n0 = self._points[0]
        if elapsed_s - t0 > 0:
            self.rate = (self._tokens - n0) / (elapsed_s - t0)
        elif self.rate is None:
            self.rate = max(tokens_per_s, 0.0)
        return self.rate


def short_rate(rate: float | None) -> str:
    """``"113k"``, ``"5.37k"``, ``"980"``, ``"1.2M"``: three significant digits (a steady read)."""
    if rate is None or not math.isfinite(rate):
        return "–"
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if rate >= size * 0.9995:
            value = rate / size
            break
    else:
        unit, value = "", rate
    if value >= 99.95:
        return f"{value:.0f}{unit}"
    if value >= 9.995:
        return f"{value:.1f}{unit}" if unit else f"{value:.0f}"
    return f"{value:.2f}{unit}" if unit else f"{value:.1f}"
