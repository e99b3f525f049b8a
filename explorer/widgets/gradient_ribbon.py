"""A ribbon per model: the size of ∂L⟨T⟩/∂a⟨t⟩ at every time step, on a log colour scale.

One row per model (and one more for an LSTM's memory cell c), one coloured cell per
step, all rows on the same log10 scale so they compare at a glance: a basic RNN's
ribbon fades to the dark end long before the first token, an LSTM's c row stays lit.
The right margin gives ``‖da⟨1⟩‖ / ‖da⟨T⟩‖``, the fraction of the gradient that
reaches the first step.

:class:`RibbonRender` is a pure Rich renderable (testable without an app); it reads
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
LABEL_WIDTH = 18
RATIO_WIDTH = 10


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


@dataclass
class RibbonRender:
    rows: list[RibbonRow]
    tokens: tuple[str, ...]
    width: int
    title: str = ""
    empty_text: str = "no gradients yet"
    row_height: int = 2
    scale: tuple[float, float] | None = field(default=None)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines()

    def cell_width(self) -> int:
        steps = max((len(r.values) for r in self.rows), default=0)
        if steps == 0:
            return 1
        return max(1, min(6, (self.width - LABEL_WIDTH - RATIO_WIDTH - 1) // steps))

    def lines(self) -> list[Text]:
        if not self.rows:
            return [Text(self.empty_text, style="dim")]
        lo, hi = self.scale or log_range(self.rows)
        cw = self.cell_width()
        out: list[Text] = []
        if self.title:
            out.append(Text(self.title, style="bold"))
        head = Text(" " * LABEL_WIDTH)
        head.append("t=1".ljust(cw * len(self.rows[0].values) - 3) + f"t={len(self.rows[0].values)}", style="dim")
        out.append(head)
        for row in self.rows:
            for k in range(self.row_height):
                line = Text(f"{row.label[:LABEL_WIDTH - 1]:<{LABEL_WIDTH}}" if k == 0 else " " * LABEL_WIDTH,
                            style="bold" if k == 0 else "")
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
        out.append(self._token_line(cw))
        out.append(self._legend(lo, hi))
        return out

    def _token_line(self, cw: int) -> Text:
        line = Text(f"{'tokens':<{LABEL_WIDTH}}", style="dim")
        if cw >= 3:
            for tok in self.tokens:
                line.append(tok[: cw - 1].ljust(cw), style="dim")
        else:
            line.append(" ".join(self.tokens)[: max(0, self.width - LABEL_WIDTH)], style="dim")
        return line

    def _legend(self, lo: float, hi: float) -> Text:
        line = Text(f"{'‖∂L⟨T⟩/∂a⟨t⟩‖':<{LABEL_WIDTH}}", style="dim")
        line.append(f"1e{round(lo)} ")
        for i in range(16):
            line.append(" ", style=Style(bgcolor=sequential(lo + (hi - lo) * i / 15, lo, hi)))
        line.append(f" 1e{round(hi)}   (log scale; right: ‖da⟨1⟩‖/‖da⟨T⟩‖)")
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

    def __init__(self, *, empty_text: str = "no gradients yet", **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[RibbonRow] = []
        self.tokens: tuple[str, ...] = ()
        self.title = ""
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

    def get_content_height(self, container, viewport, width: int) -> int:
        if not self.rows:
            return 1
        return len(self.rows) * 2 + 3 + (1 if self.title else 0)

    def render(self) -> RibbonRender:
        return RibbonRender(self.rows, self.tokens, self.size.width or 80, self.title, self.empty_text)
