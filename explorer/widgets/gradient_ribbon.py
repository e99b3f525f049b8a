"""A ribbon per model: the size of ∂L⟨T⟩/∂a⟨t⟩ at every time step, on a log colour scale.

One row per model (and one more for an LSTM's memory cell c), one coloured cell per
step, all rows on the same log10 scale so they compare at a glance: a basic RNN's
ribbon fades to the dark end long before the first token, an LSTM's c row stays lit.
The right margin gives ``‖da⟨1⟩‖ / ‖da⟨T⟩‖``, the fraction of the gradient that
reaches the first step.

::

                    t=1                                  t=22
    rnn a (bptt)    ██████████████████████████████████████  2.1e-08
    lstm c          ██████████████████████████████████████  6.6e-06
                    the   which happi… yeste… on    old   …
                       cats  already on    green big   …

The token under each cell starts in that cell's column (:func:`place_tokens`); when the
tokens are wider than a cell they take turns on two or three lines, each with the room of as
many cells (narrower still, some tokens give way, never the subject). :class:`RibbonRender` is a pure Rich renderable (testable without an app); it reads
rows as plain tuples so this module imports nothing from the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import sequential

MAX_DECADES = 12.0
"""The colour scale spans at most this many powers of ten below the largest norm."""
LABEL_WIDTH = 24
"""At most this many columns for the row labels (fewer when the labels are shorter)."""
RATIO_WIDTH = 9
MAX_TOKEN_LINES = 3
MIN_TOKEN_ROOM = 5
"""Characters a token label may take even when its cells are narrower (neighbours then give way)."""


@dataclass(frozen=True)
class RibbonRow:
    """One ribbon: a label and the per-step norms (t = 1 … T)."""

    label: str
    values: tuple[float, ...]
    note: str = ""


def log_range(rows: list[RibbonRow]) -> tuple[float, float]:
    """(lo, hi) in log10 over every positive finite value, at most :data:`MAX_DECADES` apart."""
    logs = [math.log10(v) for r in rows for v in r.values if v > 0 and math.isfinite(v)]
    if not logs:
        return -1.0, 0.0
    hi = max(logs)
    lo = max(min(logs), hi - MAX_DECADES)
    return (lo, hi) if hi > lo else (hi - 1.0, hi)


def ratio_text(values: tuple[float, ...]) -> str:
    if len(values) < 2 or not values[-1] or not math.isfinite(values[-1]):
        return ""
    return f"{values[0] / values[-1]:.1e}"


def token_lines_needed(tokens: tuple[str, ...], cw: int) -> int:
    """1 when every token fits its cell (with a space after it), else 2 or 3: on n lines a token
    has the room of n cells."""
    longest = max((len(t) for t in tokens), default=0)
    for n in range(1, MAX_TOKEN_LINES + 1):
        if longest <= n * cw - 1:
            return n
    return MAX_TOKEN_LINES


def place_tokens(tokens: tuple[str, ...], left: int, cw: int,
                 marked: tuple[int, ...] = ()) -> list[list[tuple[int, int, str]]]:
    """For each label line, its ``(i, column, text)``: token i starts at column ``left + i·cw``, its
    cell's, on the first line where it does not run into the token before it.

    Each token may take the room of as many cells as there are lines (at least
    :data:`MIN_TOKEN_ROOM` characters, cut with "…"); when the cells are too narrow for every
    token, some are left out (the ``marked`` ones are placed first, so the subject always shows).
    """
    n = token_lines_needed(tokens, cw)
    longest = max((len(t) for t in tokens), default=0)
    room = max(n * cw - 1, min(MIN_TOKEN_ROOM, longest), 1)
    out: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]
    order = [i for i in marked if 0 <= i < len(tokens)] + [i for i in range(len(tokens)) if i not in marked]
    taken: list[tuple[int, int, int]] = []  # (line, start, end + 1 for the space) of every placed token
    for i in order:
        tok = tokens[i]
        text = tok if len(tok) <= room else (tok[: room - 1] + "…" if room > 2 else tok[:room])
        column = left + i * cw
        for k in range(n):
            if not any(line == k and start < column + len(text) + 1 and column < end for line, start, end in taken):
                out[k].append((i, column, text))
                taken.append((k, column, column + len(text) + 1))
                break
    for line in out:
        line.sort()
    return out


@dataclass
class RibbonRender:
    rows: list[RibbonRow]
    tokens: tuple[str, ...]
    width: int
    title: str = ""
    empty_text: str = "no gradients yet"
    row_height: int = 2
    scale: tuple[float, float] | None = field(default=None)
    marked: tuple[int, ...] = ()
    """Token positions to underline (the agreement sentence's subject)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines()

    def label_width(self) -> int:
        """Room for the longest label, but cut when one cell per step would not fit otherwise."""
        longest = max((len(r.label) for r in self.rows), default=6)
        steps = max((len(r.values) for r in self.rows), default=0)
        return max(7, min(LABEL_WIDTH, max(longest, len("tokens")) + 1, self.width - RATIO_WIDTH - 1 - steps))

    def cell_width(self) -> int:
        steps = max((len(r.values) for r in self.rows), default=0)
        if steps == 0:
            return 1
        return max(1, min(6, (self.width - self.label_width() - RATIO_WIDTH - 1) // steps))

    def cell_column(self, i: int) -> int:
        """The column where step i's cell starts (0-based)."""
        return self.label_width() + i * self.cell_width()

    def lines(self) -> list[Text]:
        if not self.rows:
            return [Text(self.empty_text, style="dim")]
        lo, hi = self.scale or log_range(self.rows)
        cw, lw = self.cell_width(), self.label_width()
        steps = len(self.rows[0].values)
        out: list[Text] = []
        if self.title:
            out.append(Text(self.title, style="bold"))
        head = Text(" " * lw)
        last = f"t={steps}"
        head.append("t=1".ljust(max(cw * steps - len(last), 4)) + last, style="dim")
        out.append(head)
        for row in self.rows:
            for k in range(self.row_height):
                line = Text(f"{row.label[:lw - 1]:<{lw}}" if k == 0 else " " * lw, style="bold" if k == 0 else "")
                for v in row.values:
                    if v > 0 and math.isfinite(v):
                        colour = sequential(math.log10(v), lo, hi)
                        line.append(" " * cw, style=Style(bgcolor=colour))
                    else:
                        line.append("·" * cw, style="dim")
                if k == 0:
                    line.append(f" {ratio_text(row.values):>{RATIO_WIDTH - 1}}", style="italic")
                elif row.note:
                    line.append(f" {row.note[:RATIO_WIDTH - 1]:>{RATIO_WIDTH - 1}}", style="dim")
                out.append(line)
        out.extend(self._token_lines(cw, lw))
        out.append(self._legend(lo, hi, lw))
        return out

    def token_placements(self) -> list[list[tuple[int, int, str]]]:
        """Where each token label goes: :func:`place_tokens` for this width."""
        return place_tokens(self.tokens, self.label_width(), self.cell_width(), self.marked)

    def _token_lines(self, cw: int, lw: int) -> list[Text]:
        lines = []
        for k, placed in enumerate(self.token_placements()):
            line = Text(f"{'tokens' if k == 0 else '':<{lw}}", style="dim")
            for i, column, text in placed:
                line.append(" " * (column - line.cell_len))
                line.append(text, style="bold underline" if i in self.marked else "dim")
            lines.append(line)
        return lines

    def _legend(self, lo: float, hi: float, lw: int) -> Text:
        line = Text(f"{'‖∂L/∂a⟨t⟩‖':<{lw}}", style="dim")
        line.append(f"1e{round(lo)} ")
        for i in range(12):
            line.append(" ", style=Style(bgcolor=sequential(lo + (hi - lo) * i / 11, lo, hi)))
        line.append(f" 1e{round(hi)} (log)")
        tail = "   right: ‖da⟨1⟩‖/‖da⟨T⟩‖"
        if line.cell_len + len(tail) <= self.width:
            line.append(tail, style="dim")
        return line


class GradientRibbon(Widget):
    """Ribbons of per-step gradient sizes for several models, on one log scale."""

    DEFAULT_CSS = """
    GradientRibbon {
        height: auto;
        min-height: 4;
        width: 1fr;
    }
    """

    version: reactive[int] = reactive(0, layout=True)
    compact: reactive[bool] = reactive(False, layout=True)
    """One line per ribbon and no title (short terminals)."""

    def __init__(self, *, empty_text: str = "no gradients yet", **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[RibbonRow] = []
        self.tokens: tuple[str, ...] = ()
        self.title = ""
        self.marked: tuple[int, ...] = ()
        self.empty_text = empty_text

    def set_rows(self, rows: list[RibbonRow], tokens: tuple[str, ...], title: str = "") -> None:
        self.rows = list(rows)
        self.tokens = tuple(tokens)
        self.title = title
        self.version += 1

    def upsert(self, row: RibbonRow, tokens: tuple[str, ...] | None = None) -> None:
        """Replace the row with ``row.label`` (or add it at the end)."""
        for i, r in enumerate(self.rows):
            if r.label == row.label:
                self.rows[i] = row
                break
        else:
            self.rows.append(row)
        if tokens is not None:
            self.tokens = tuple(tokens)
        self.version += 1

    def clear(self) -> None:
        self.set_rows([], ())

    def renderer(self, width: int | None = None) -> RibbonRender:
        """The renderable for ``width`` columns (default: the widget's content width)."""
        width = width or self.content_size.width or 80
        return RibbonRender(self.rows, self.tokens, width, "" if self.compact else self.title, self.empty_text,
                            row_height=1 if self.compact else 2, marked=self.marked)

    def get_content_height(self, container, viewport, width: int) -> int:
        if not self.rows:
            return 1
        return len(self.renderer(width).lines())

    def render(self) -> RibbonRender:
        return self.renderer()
