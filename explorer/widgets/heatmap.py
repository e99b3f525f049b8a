"""A units × time heatmap of one gate or state, with the tokens along the time axis.

One character column per time step (windowed around the current step when the
sequence is longer than the widget), one row per unit (windowed around the
selected unit). The current step is marked ``▼`` above its column and the
selected unit's label is reversed; a legend maps colours to values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import colour_for


def token_glyph(token: str) -> str:
    """One visible character for a token (space → ␣, newline → ↵, empty → ∅)."""
    if token == "\n":
        return "↵"
    if token == " ":
        return "␣"
    if token in ("<eos>", "<EOS>", "</s>"):
        return "⏎"
    return token[:1] if token else "∅"


def window(n: int, size: int, centre: int) -> tuple[int, int]:
    """``[start, stop)`` of a ``size``-wide window over ``range(n)`` that contains ``centre``."""
    if n <= size:
        return 0, n
    start = min(max(centre - size // 2, 0), n - size)
    return start, start + size


@dataclass
class HeatmapRender:
    values: np.ndarray  # (T, H)
    tokens: list[str]
    step: int
    unit: int
    lo: float
    hi: float
    title: str
    width: int
    height: int
    styles: list[list[Style]] | None = None
    """Precomputed ``styles[t][u]`` (colour of each cell); computed here when absent."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines():
            if isinstance(line, Text):
                yield line
            else:  # unit rows: plain segments, one per cell (no Text layout work)
                yield from line
                yield Segment.line()

    def lines(self) -> list[Text | list[Segment]]:
        T, H = self.values.shape
        gutter = len(str(max(H - 1, 0))) + 1
        cw = max(1, min(3, (self.width - gutter) // max(T, 1)))  # characters per time step
        cols = max((self.width - gutter) // cw, 1)
        rows = max(self.height - 3, 1)  # title, step marker, ... units ..., tokens
        t0, t1 = window(T, cols, self.step)
        u0, u1 = window(H, rows, self.unit)
        out = []
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(self.title + " ", style="bold")
        value = float(self.values[self.step, self.unit])
        head.append(f"{value:+.2f}", style=Style(color=colour_for(value, self.lo, self.hi), bold=True))
        head.append(f"  {self.lo:+.0f}", style="dim")
        for i in range(6):
            v = self.lo + (self.hi - self.lo) * i / 5
            head.append("█", style=Style(color=colour_for(v, self.lo, self.hi)))
        head.append(f"{self.hi:+.0f}", style="dim")
        out.append(head)
        marker = Text(" " * gutter, no_wrap=True)
        marker.append(" " * ((self.step - t0) * cw) + "▼" * cw, style="bold")
        out.append(marker)
        styles = self.styles or cell_styles(self.values, self.lo, self.hi)
        full, current = "█" * cw, "█" * (cw - 1) + "▌"
        selected, other = Style(reverse=True, bold=True), Style(dim=True)
        for u in range(u0, u1):
            row = [Segment(str(u).rjust(gutter - 1) + " ", selected if u == self.unit else other)]
            row.extend(Segment(current if t == self.step else full, styles[t][u]) for t in range(t0, t1))
            out.append(row)
        toks = Text(" " * gutter, no_wrap=True)
        for t in range(t0, t1):
            glyph = token_glyph(self.tokens[t] if t < len(self.tokens) else "")
            toks.append(glyph.ljust(cw), style="reverse bold" if t == self.step else "")
        out.append(toks)
        return out


def cell_styles(values: np.ndarray, lo: float, hi: float) -> list[list[Style]]:
    """``styles[t][u]``: the colour of every cell, computed once per data set."""
    cache: dict[int, Style] = {}
    out = []
    for row in values:
        styles = []
        for v in row:
            key = int(round((float(v) - lo) / ((hi - lo) or 1.0) * 255)) if np.isfinite(v) else -1
            style = cache.get(key)
            if style is None:
                style = cache[key] = Style(color=colour_for(float(v), lo, hi))
            styles.append(style)
        out.append(styles)
    return out


class Heatmap(Widget):
    """Heatmap of ``values`` (T × H) for one gate/state. Set data with :meth:`set_data`."""

    DEFAULT_CSS = """
    Heatmap {
        height: 12;
        width: 1fr;
        min-width: 20;
        padding: 0 1 0 0;
    }
    """

    step: reactive[int] = reactive(0)
    unit: reactive[int] = reactive(0)
    version: reactive[int] = reactive(0)

    def __init__(self, title: str, lo: float = 0.0, hi: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.lo, self.hi = lo, hi
        self.values = np.zeros((0, 0), dtype=np.float32)
        self.tokens: list[str] = []
        self._styles: list[list[Style]] | None = None

    def set_data(self, values: np.ndarray, tokens: list[str]) -> None:
        """``values``: (T, H) activations of this gate/state for one sequence."""
        self.values = np.asarray(values, dtype=np.float32)
        self.tokens = list(tokens)
        self._styles = cell_styles(self.values, self.lo, self.hi)
        self.version += 1

    def render(self) -> HeatmapRender | Text:
        if self.values.size == 0:
            return Text(f"{self.title}\n(no trace yet)", style="dim")
        T, H = self.values.shape
        return HeatmapRender(self.values, self.tokens, min(self.step, T - 1), min(self.unit, H - 1),
                             self.lo, self.hi, self.title, self.size.width, self.size.height, self._styles)
