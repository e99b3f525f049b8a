"""A units × time heatmap of one gate or state, with the tokens along the time axis.

One character column per time step (windowed around the current step when the
sequence is longer than the widget), one row per unit (windowed around the
selected unit). The current step is marked ``▼`` above its column and the
selected unit's label is reversed; a legend maps colours to values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
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
class HeatmapLayout:
    """Which part of a (T, H) heatmap fits in ``width`` × ``height`` cells, around (step, unit)."""

    gutter: int
    """Characters of the unit labels (and the space after them)."""
    cw: int
    """Characters per time step (1–3)."""
    t0: int
    t1: int
    u0: int
    u1: int

    @classmethod
    def fit(cls, T: int, H: int, step: int, unit: int, width: int, height: int) -> "HeatmapLayout":
        gutter = len(str(max(H - 1, 0))) + 1
        cw = max(1, min(3, (width - gutter) // max(T, 1)))
        cols = max((width - gutter) // cw, 1)
        rows = max(height - 3, 1)  # title, step marker, ... units ..., tokens
        t0, t1 = window(T, cols, step)
        u0, u1 = window(H, rows, unit)
        return cls(gutter, cw, t0, t1, u0, u1)


def heatmap_lines(values: np.ndarray, tokens: list[str], step: int, unit: int, lo: float, hi: float, title: str,
                  width: int, height: int, styles: list[list[Style]], base: Style = Style(),
                  cache: dict | None = None) -> list[Strip]:
    """The heatmap's lines as Strips: title and legend, step marker, one row per unit, tokens.

    ``styles[t][u]`` is each cell's style (already combined with ``base``, the widget's
    own style); every line is cropped or padded to ``width`` in ``base``. ``cache``
    (a dict the caller empties when the data, style or size change) keeps the lines that
    do not depend on the cursor: the legend and the rows of the units not selected.
    """
    cache = {} if cache is None else cache
    T, H = values.shape
    fit = HeatmapLayout.fit(T, H, step, unit, width, height)
    gutter, cw = fit.gutter, fit.cw
    bold, dim = base + Style(bold=True), base + Style(dim=True)
    value = float(values[step, unit])
    legend = cache.get("legend")
    if legend is None:
        legend = cache["legend"] = (
            [Segment(f"  {lo:+.0f}", dim)]
            + [Segment("█", base + Style(color=colour_for(lo + (hi - lo) * i / 5, lo, hi))) for i in range(6)]
            + [Segment(f"{hi:+.0f}", dim)])
    # The value in the text colour (a colour-map colour can be unreadable on the theme's background),
    # after a swatch of its colour.
    head = [Segment(title + " ", bold), Segment("█", base + Style(color=colour_for(value, lo, hi))),
            Segment(f"{value:+.2f}", bold), *legend]
    marker = [Segment(" " * (gutter + (step - fit.t0) * cw), base), Segment("▼" * cw, bold)]
    out = [Strip(head).crop_extend(0, width, base), Strip(marker).crop_extend(0, width, base)]
    full, current = "█" * cw, "█" * (cw - 1) + "▌"
    selected, other = base + Style(reverse=True, bold=True), dim
    for u in range(fit.u0, fit.u1):
        if u == unit:  # the selected cell is marked in its row; ▼ above and the token below mark the column
            row = [Segment(str(u).rjust(gutter - 1) + " ", selected)]
            row += [Segment(current if t == step else full, styles[t][u]) for t in range(fit.t0, fit.t1)]
            out.append(Strip(row).crop_extend(0, width, base))
            continue
        key = ("row", u, fit.t0, fit.t1, cw, gutter)
        strip = cache.get(key)
        if strip is None:
            row = [Segment(str(u).rjust(gutter - 1) + " ", other)]
            row += [Segment(full, styles[t][u]) for t in range(fit.t0, fit.t1)]
            strip = cache[key] = Strip(row).crop_extend(0, width, base)
        out.append(strip)
    toks = [Segment(" " * gutter, base)]
    highlight = base + Style(reverse=True, bold=True)
    for t in range(fit.t0, fit.t1):
        glyph = token_glyph(tokens[t] if t < len(tokens) else "").ljust(cw)
        toks.append(Segment(glyph, highlight if t == step else base))
    out.append(Strip(toks).crop_extend(0, width, base))
    return out[:height]


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
    """Heatmap of ``values`` (T × H) for one gate/state. Set data with :meth:`set_data`.

    Drawn with Textual's line API: the lines are built as Strips (no Rich layout) after each
    change of data, step, unit, size or style, and reused for every line Textual asks for, so
    a key that moves the cursor costs ~1 ms per heatmap instead of a Rich render of ~800
    segments.
    """

    DEFAULT_CSS = """
    Heatmap {
        height: 12;
        width: 1fr;
        min-width: 20;
        padding: 0 1 0 0;
    }
    """

    step: reactive[int] = reactive(0, repaint=False)
    unit: reactive[int] = reactive(0, repaint=False)
    """Changing ``step`` or ``unit`` repaints only the lines that change (see :meth:`_moved`)."""
    version: reactive[int] = reactive(0)

    def __init__(self, title: str, lo: float = 0.0, hi: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.lo, self.hi = lo, hi
        self.values = np.zeros((0, 0), dtype=np.float32)
        self.tokens: list[str] = []
        self._styles: list[list[Style]] | None = None
        self._lines: list[Strip] | None = None
        """The lines on show; None after anything they depend on changed."""
        self._line_cache: dict = {}
        """What does not depend on the cursor: the combined cell styles and lines (see
        :func:`heatmap_lines`); emptied when the data, the style or the size change."""
        self._base: Style | None = None
        """``rich_style`` (walks the ancestors: too slow to read for every line), reset on style updates."""

    def notify_style_update(self) -> None:
        self._base = None
        self._lines = None
        self._line_cache = {}
        super().notify_style_update()

    def watch_step(self, old: int, new: int) -> None:
        self._moved(old, self.unit)

    def watch_unit(self, old: int, new: int) -> None:
        self._moved(self.step, old)

    def _moved(self, old_step: int, old_unit: int) -> None:
        """The cursor moved from (old_step, old_unit): repaint the lines that show it.

        Those are the title (the value), the ▼ marker, the tokens and the rows of the old
        and new unit; everything, when the visible window of steps or units moved. A key
        then costs Textual ~4 lines per heatmap instead of all of them.
        """
        self._lines = None
        if not self.is_mounted or self.values.size == 0:
            self.refresh()
            return
        T, H = self.values.shape
        width, height = self.size.width, self.size.height
        before = HeatmapLayout.fit(T, H, min(old_step, T - 1), min(old_unit, H - 1), width, height)
        after = HeatmapLayout.fit(T, H, min(self.step, T - 1), min(self.unit, H - 1), width, height)
        if (before.t0, before.u0) != (after.t0, after.u0):
            self.refresh()
            return
        rows = {0, 1, 2 + (after.u1 - after.u0)}
        rows |= {2 + u - after.u0 for u in (min(old_unit, H - 1), min(self.unit, H - 1))}
        self.refresh(*(Region(0, y, width, 1) for y in sorted(rows) if y < height))

    def watch_version(self) -> None:
        self._lines = None
        self._line_cache = {}

    def on_resize(self) -> None:
        self._lines = None
        self._line_cache = {}

    def set_data(self, values: np.ndarray, tokens: list[str]) -> None:
        """``values``: (T, H) activations of this gate/state for one sequence."""
        self.values = np.asarray(values, dtype=np.float32)
        self.tokens = list(tokens)
        self._styles = cell_styles(self.values, self.lo, self.hi)
        self.version += 1

    def _cell_styles(self, base: Style) -> list[list[Style]]:
        """The cell styles combined with the widget's own style (kept with the cached lines)."""
        rows = self._line_cache.get("styles")
        if rows is None:
            combined: dict[Style, Style] = {}
            rows = self._line_cache["styles"] = [
                [combined.get(s) or combined.setdefault(s, base + s) for s in row] for row in self._styles or []]
        return rows

    def lines(self) -> list[Strip]:
        """Every line of the heatmap at the current size (built again only after a change)."""
        if self._lines is not None:
            return self._lines
        width, height = self.size.width, self.size.height
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        if self.values.size == 0:
            text = [Strip([Segment(self.title, base)]), Strip([Segment("(no trace yet)", base + Style(dim=True))])]
            self._lines = [line.crop_extend(0, width, base) for line in text[:height]]
        else:
            T, H = self.values.shape
            self._lines = heatmap_lines(self.values, self.tokens, min(self.step, T - 1), min(self.unit, H - 1),
                                        self.lo, self.hi, self.title, width, height, self._cell_styles(base), base,
                                        self._line_cache)
        return self._lines

    def render_line(self, y: int) -> Strip:
        lines = self.lines()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width, self._base)
