"""A line chart drawn with braille dots: several series, a threshold line, event marks.

Used for the training loss (raw, smoothed, validation) and the gradient norm (with
the clip threshold drawn and clipping events marked). :class:`ChartRender` lays the
chart out as runs of styled text, testable without an app; the widget draws them
with Textual's line API (Strips built once per change, no Rich layout: the charts
repaint while training shares the CPU).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from explorer.ticks import OnNextTick

THRESHOLD_STYLE = "bold #ff7f0e"  # orange and purple read on light and dark backgrounds
MARK_STYLE = "bold #9467bd"

# Braille dot bits for (column 0..1, row 0..3) inside one character cell.
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


@dataclass
class Series:
    name: str
    style: str
    points: list[tuple[float, float]] = field(default_factory=list)
    markers: bool = False
    """Draw isolated points (validation loss) instead of a connected line."""


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a < 0.01:
        return f"{v:.1e}"
    return f"{v:.3g}"


@dataclass
class ChartRender:
    """Rich renderable for a braille line chart of ``series`` in ``width × height`` cells."""

    series: list[Series]
    width: int
    height: int
    threshold: float | None = None
    threshold_label: str = ""
    marks: list[float] = field(default_factory=list)
    """x positions drawn as ticks under the plot (clipping events)."""
    log_y: bool = False
    empty_text: str = "no data yet"

    def _ys(self, y: float) -> float:
        return math.log10(max(y, 1e-12)) if self.log_y else y

    def lines(self) -> list[list[tuple[str, str]]]:
        """The chart's lines, each a list of ``(text, style)`` runs (no Rich layout needed)."""
        width, height = max(self.width, 12), max(self.height, 3)
        legend: list[tuple[str, str]] = []
        for s in self.series:
            last = s.points[-1][1] if s.points else None
            legend.append(("━ " if not s.markers else "• ", s.style))
            legend.append((f"{s.name} {_fmt(last) if last is not None else '–'}  ", ""))
        if self.threshold is not None:
            legend.append(("┄ ", THRESHOLD_STYLE))
            legend.append((f"{self.threshold_label or 'threshold'} {_fmt(self.threshold)}  ", ""))
        if self.marks:
            legend.append(("▲ ", MARK_STYLE))
            legend.append((f"clipped ×{len(self.marks)}", ""))
        plot_h = height - 2 - (1 if self.marks else 0)
        if not any(math.isfinite(y) for s in self.series for _, y in s.points) or plot_h < 1:
            body = [[(self.empty_text, "dim")]] + [[]] * (height - 2)
            return [legend, *body[: height - 1]]
        import numpy as np  # here, not at the top: the first frame does not wait for numpy's import

        # Each series' points as arrays, once: the bounds and the dots are both computed from them.
        arrays = []
        for s in self.series:
            xs = np.fromiter((x for x, _ in s.points), dtype=np.float64, count=len(s.points))
            ys = np.fromiter((y for _, y in s.points), dtype=np.float64, count=len(s.points))
            scaled = np.array([self._ys(y) for y in ys.tolist()], dtype=np.float64) if self.log_y else ys
            arrays.append((s, xs, np.isfinite(ys), scaled))
        finite_xs = [xs[ok] for _, xs, ok, _ in arrays] + [np.asarray(self.marks, dtype=np.float64)]
        finite_ys = [scaled[ok] for _, _, ok, scaled in arrays]
        if self.threshold is not None:
            finite_ys.append(np.array([self._ys(self.threshold)]))
        all_xs, all_ys = np.concatenate(finite_xs), np.concatenate(finite_ys)
        x0, x1 = float(all_xs.min()), float(all_xs.max())
        y0, y1 = float(all_ys.min()), float(all_ys.max())
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 0.5, y1 + 0.5
        labels = [_fmt(10 ** y1 if self.log_y else y1), _fmt(10 ** y0 if self.log_y else y0)]
        gutter = max(len(s) for s in labels) + 1
        plot_w = max(width - gutter - 1, 4)
        dot_w, dot_h = plot_w * 2, plot_h * 4
        cells = [[0] * plot_w for _ in range(plot_h)]
        colours: list[list[str | None]] = [[None] * plot_w for _ in range(plot_h)]

        def to_dot(x: float, y: float) -> tuple[int, int]:
            dx = 0 if x1 == x0 else round((x - x0) / (x1 - x0) * (dot_w - 1))
            dy = round((y1 - self._ys(y)) / (y1 - y0) * (dot_h - 1))
            return dx, min(max(dy, 0), dot_h - 1)

        def plot(dx: int, dy: int, style: str) -> None:
            cx, cy = dx // 2, dy // 4
            if 0 <= cx < plot_w and 0 <= cy < plot_h:
                cells[cy][cx] |= _DOTS[dy % 4][dx % 2]
                colours[cy][cx] = style

        if self.threshold is not None:
            _, ty = to_dot(x0, self.threshold)
            for dx in range(0, dot_w, 2):
                plot(dx, ty, THRESHOLD_STYLE)
        for s, xs, finite, scaled in arrays:
            if not len(xs):
                continue
            # The dots of every point at once (the same float operations as to_dot, so the same dots).
            dxs = np.zeros(len(xs), dtype=np.int64) if x1 == x0 else np.rint(
                (xs - x0) / (x1 - x0) * (dot_w - 1)).astype(np.int64)
            with np.errstate(invalid="ignore"):
                dys = np.clip(np.rint((y1 - scaled) / (y1 - y0) * (dot_h - 1)), 0, dot_h - 1)
            dys = np.where(finite, dys, 0).astype(np.int64)
            if s.markers:
                for dx, dy in zip(dxs[finite].tolist(), dys[finite].tolist()):
                    plot(dx, dy, s.style)
                continue
            self._plot_line(dxs, dys, finite, lambda a, b, st=s.style: plot(a, b, st))
        out = [legend]
        for row in range(plot_h):
            label = labels[0] if row == 0 else labels[1] if row == plot_h - 1 else ""
            line = [(label.rjust(gutter - 1) + " ┤" if label else " " * (gutter - 1) + " │", "dim")]
            run, run_style = [], None  # runs of one style (one segment each)
            for col in range(plot_w):
                bits = cells[row][col]
                style = colours[row][col] or ""
                if style != run_style and run:
                    line.append(("".join(run), run_style or ""))
                    run = []
                run_style = style
                run.append(chr(0x2800 + bits) if bits else " ")
            if run:
                line.append(("".join(run), run_style or ""))
            out.append(line)
        if self.marks:
            ticks = [" "] * plot_w
            for m in self.marks:
                cx = (0 if x1 == x0 else round((m - x0) / (x1 - x0) * (dot_w - 1))) // 2
                if 0 <= cx < plot_w:
                    ticks[cx] = "▲"
            out.append([(" " * (gutter + 1) + "".join(ticks), MARK_STYLE)])
        left, right = f"step {_fmt(x0)}", _fmt(x1)
        out.append([(" " * (gutter + 1) + left + right.rjust(max(plot_w - len(left), 0)), "dim")])
        return out

    def text(self) -> str:
        """The chart as plain text (tests)."""
        return "\n".join("".join(t for t, _ in line) for line in self.lines())

    @classmethod
    def _plot_line(cls, dxs, dys, finite, plot) -> None:
        """Connect consecutive finite points (a non-finite one breaks the line).

        Points in the same dot column draw one vertical run from their lowest to their highest
        dot (what the segments between them cover), so the work grows with the columns, not with
        the points: a long run keeps up to 2,000 points on ~170 columns.
        """
        import numpy as np

        n = len(dxs)
        # Pieces: maximal runs of finite points; inside each, runs of equal dot column.
        breaks = np.flatnonzero(~finite)
        start = 0
        for stop in [*breaks.tolist(), n]:
            if stop > start:
                px, py = dxs[start:stop], dys[start:stop]
                bounds = np.flatnonzero(np.diff(px)) + 1
                firsts = np.concatenate(([0], bounds))
                lows = np.minimum.reduceat(py, firsts).tolist()
                highs = np.maximum.reduceat(py, firsts).tolist()
                lasts = (np.concatenate((bounds, [len(px)])) - 1).tolist()
                cols, py_list, firsts = px[firsts].tolist(), py.tolist(), firsts.tolist()
                prev = None
                for col, lo, hi, first, last in zip(cols, lows, highs, firsts, lasts):
                    if prev is not None:
                        cls._line(prev, (col, py_list[first]), plot)
                    for dy in range(lo, hi + 1):
                        plot(col, dy)
                    prev = (col, py_list[last])
            start = stop + 1

    @staticmethod
    def _line(a: tuple[int, int], b: tuple[int, int], plot) -> None:
        (xa, ya), (xb, yb) = a, b
        dx, dy = abs(xb - xa), -abs(yb - ya)
        sx, sy = (1 if xa < xb else -1), (1 if ya < yb else -1)
        err = dx + dy
        while True:
            plot(xa, ya)
            if xa == xb and ya == yb:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                xa += sx
            if e2 <= dx:
                err += dx
                ya += sy


class LineChart(Widget):
    """A live chart: call :meth:`add` / :meth:`set_series`, it redraws at most when shown."""

    DEFAULT_CSS = """
    LineChart {
        height: 1fr;
        min-height: 6;
        width: 1fr;
    }
    """

    version: reactive[int] = reactive(0)
    MAX_POINTS = 2000
    """Points arriving faster than this are drawn together, on the shared clock ticks of
    :mod:`explorer.ticks` (the UI thread shares the CPU with training)."""

    def __init__(self, *series: Series, threshold_label: str = "", log_y: bool = False,
                 empty_text: str = "no data yet", **kwargs) -> None:
        super().__init__(**kwargs)
        self.series = {s.name: s for s in series}
        self.threshold: float | None = None
        self.threshold_label = threshold_label
        self.marks: list[float] = []
        self.log_y = log_y
        self.empty_text = empty_text
        self._tick = OnNextTick(self, self._redraw)
        """One redraw for everything that changed until the next shared tick."""
        self._strips: list[Strip] | None = None
        """The lines on show (line API); None after a change."""

    def _changed(self) -> None:
        self._tick.request()

    def _redraw(self) -> None:
        self.version += 1

    def flush(self) -> None:
        """Draw now (tests, snapshots)."""
        self._tick.run()

    def add(self, name: str, x: float, y: float) -> None:
        pts = self.series[name].points
        pts.append((float(x), float(y)))
        if len(pts) > self.MAX_POINTS:  # keep every other point of the older half
            half = len(pts) // 2
            pts[:half] = pts[:half:2]
        self._changed()

    def mark(self, x: float) -> None:
        self.marks.append(float(x))
        if len(self.marks) > self.MAX_POINTS:
            del self.marks[: len(self.marks) // 2]
        self._changed()

    def set_threshold(self, value: float | None) -> None:
        self.threshold = value
        self._changed()

    def clear(self) -> None:
        for s in self.series.values():
            s.points.clear()
        self.marks.clear()
        self.threshold = None
        self.version += 1

    def watch_version(self) -> None:
        self._strips = None

    def on_resize(self) -> None:
        self._strips = None

    def notify_style_update(self) -> None:
        self._strips = None
        super().notify_style_update()

    def chart(self) -> ChartRender:
        return ChartRender(list(self.series.values()), self.size.width, self.size.height, self.threshold,
                           self.threshold_label, list(self.marks), self.log_y, self.empty_text)

    def render_line(self, y: int) -> Strip:
        if self._strips is None:
            base = self.rich_style
            width = self.size.width
            dark = getattr(self.app.current_theme, "dark", True)
            self._strips = [
                Strip([Segment(text, base + _style(style, dark)) for text, style in line if text]).crop_extend(
                    0, width, base)
                for line in self.chart().lines()
            ]
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)


@functools.lru_cache(maxsize=256)
def _style(text: str, dark: bool = True) -> Style:
    """``text`` parsed; on a light theme its colour is darkened by a third, so that thin braille
    dots in mid-tone colours (tab10) keep a contrast of about 3:1 or more on a light background."""
    style = Style.parse(text) if text else Style()
    if dark or style.color is None or style.color.triplet is None:
        return style
    r, g, b = style.color.triplet
    return style + Style(color=Color.from_rgb(r * 2 // 3, g * 2 // 3, b * 2 // 3))
