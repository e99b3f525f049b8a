"""A labelled 2-D scatter plot drawn on the terminal's cell grid, with axes.

Each point is a ``●`` in the cell nearest to it (colour by group), its label
beside it (right, else left, else above or below; a label that cannot be placed
without covering another is left out and counted in the footer line). The y
axis is on the left with three ticks, the x axis at the bottom with three.

:func:`render_scatter` is pure (points in, lines of rich Text out) so it can be
tested without an app; :class:`Scatter` is the widget around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

# Mid-luminance colours, readable on both the dark and the light themes.
LABEL_STYLES = ("dodger_blue2", "deep_pink3", "dark_orange3", "green3", "medium_purple3", "red3")
GROUP_STYLES = tuple(f"bold {s}" for s in LABEL_STYLES)
MARKER = "●"


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    group: int = 0


def _tick(value: float, span: float = 1.0) -> str:
    if abs(value) < abs(span) * 1e-3:
        return "0"
    if abs(value) >= 1000 or abs(value) < 0.01:
        return f"{value:.1e}"
    return f"{value:.2f}"


def render_scatter(points: Sequence[Point], width: int, height: int, *, x_label: str = "x",
                   y_label: str = "y") -> list[Text]:
    """Lines (``height`` of them, each ``width`` cells) drawing ``points`` with axes and labels."""
    width, height = max(width, 20), max(height, 6)
    if not points:
        return [Text("no points", style="dim")] + [Text("") for _ in range(height - 1)]
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 1, x1 + 1
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 1, y1 + 1
    y_ticks = [_tick(v, y1 - y0) for v in (y1, (y0 + y1) / 2, y0)]
    margin = max(len(t) for t in y_ticks) + 1  # tick text + axis line
    plot_w = width - margin
    plot_h = height - 3  # x axis, x ticks, footer
    grid = [[" "] * plot_w for _ in range(plot_h)]
    styles: list[list[str | None]] = [[None] * plot_w for _ in range(plot_h)]
    taken = [[False] * plot_w for _ in range(plot_h)]

    def cell(p: Point) -> tuple[int, int]:
        col = round((p.x - x0) / (x1 - x0) * (plot_w - 1))
        row = round((y1 - p.y) / (y1 - y0) * (plot_h - 1))
        return row, col

    cells = [cell(p) for p in points]
    for p, (r, c) in zip(points, cells):
        grid[r][c] = MARKER
        styles[r][c] = GROUP_STYLES[p.group % len(GROUP_STYLES)]
        taken[r][c] = True
    hidden = 0
    for p, (r, c) in zip(points, cells):
        label = p.label
        options = [(r, c + 1), (r, c - len(label)), (r - 1, c - len(label) // 2), (r + 1, c - len(label) // 2)]
        for row, start in options:
            if 0 <= row < plot_h and start >= 0 and start + len(label) <= plot_w and not any(
                taken[row][start:start + len(label)]
            ):
                for k, ch in enumerate(label):
                    grid[row][start + k] = ch
                    styles[row][start + k] = LABEL_STYLES[p.group % len(LABEL_STYLES)]
                    taken[row][start + k] = True
                # keep one blank cell on each side free so labels stay readable
                for edge in (start - 1, start + len(label)):
                    if 0 <= edge < plot_w:
                        taken[row][edge] = True
                break
        else:
            hidden += 1
    lines: list[Text] = []
    tick_rows = {0: y_ticks[0], (plot_h - 1) // 2: y_ticks[1], plot_h - 1: y_ticks[2]}
    for r in range(plot_h):
        line = Text(no_wrap=True)
        tick = tick_rows.get(r)
        line.append((tick or "").rjust(margin - 1), style="dim")
        line.append("┤" if tick else "│", style="dim")
        run, run_style = "", None
        for ch, st in zip(grid[r], styles[r]):
            if st != run_style and run:
                line.append(run, style=run_style)
                run = ""
            run_style = st
            run += ch
        if run:
            line.append(run, style=run_style)
        lines.append(line)
    axis = Text(" " * (margin - 1) + "└", style="dim")
    mid = (plot_w - 1) // 2
    axis.append("".join("┬" if i in (0, mid, plot_w - 1) else "─" for i in range(plot_w)), style="dim")
    lines.append(axis)
    x_ticks = [_tick(v, x1 - x0) for v in (x0, (x0 + x1) / 2, x1)]
    row = [" "] * width
    for pos, t in ((margin, x_ticks[0]), (margin + mid - len(x_ticks[1]) // 2, x_ticks[1]),
                   (width - len(x_ticks[2]), x_ticks[2])):
        for k, ch in enumerate(t):
            if 0 <= pos + k < width:
                row[pos + k] = ch
    lines.append(Text("".join(row), style="dim"))
    footer = f"{x_label} →   {y_label} ↑   {len(points)} words"
    if hidden:
        footer += f" · {hidden} label{'s' if hidden > 1 else ''} hidden"
    if len(footer) > width:  # narrow: keep the counts, drop the axis names
        footer = f"{len(points)} words" + (f" · {hidden} hidden" if hidden else "")
    lines.append(Text(footer.rjust(width)[:width], style="dim italic"))
    return lines


class Scatter(Widget):
    """Widget drawing :func:`render_scatter` at its current size."""

    DEFAULT_CSS = """
    Scatter {
        height: 1fr;
        min-height: 8;
        min-width: 30;
        text-wrap: nowrap;
    }
    """

    points: reactive[tuple[Point, ...]] = reactive(())
    message: reactive[str] = reactive("")

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.x_label = "x"
        self.y_label = "y"

    def plot(self, points: Sequence[Point], *, x_label: str = "x", y_label: str = "y") -> None:
        self.x_label, self.y_label = x_label, y_label
        self.message = ""
        self.points = tuple(points)

    def show_message(self, message: str) -> None:
        self.message = message

    def render(self) -> Text:
        if self.message or not self.points:
            return Text(self.message or "no words to plot", style="dim")
        width, height = self.content_size.width, self.content_size.height
        return Text("\n").join(render_scatter(self.points, width, height, x_label=self.x_label,
                                              y_label=self.y_label))
