"""Text charts on a log scale for the command line: one braille panel per run, on one scale.

::

    ‖g‖ before clipping, log scale (one panel per run, the same scale)
    no clipping      1e+26 ┤⢀
                           │⡸
                     1e+12 ┤⡇
                     1e-01 ┤⠇                   ✗ diverged at step 3
    clip by norm     1e+26 ┤
                           │
                     1e+12 ┤
                     1e-01 ┤⠒⠢⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤
                           └────────────────────
                            step 1            80

Values that span orders of magnitude (an exploding gradient norm) stay readable, every panel
says where its powers of ten are, and the runs never hide each other. Non-finite and
non-positive values are left out (a run that diverged simply stops). With more steps than
columns, two steps share a column (braille has two dot columns per character).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from rich.text import Text

_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # braille bit of (dot row, dot column)


def decade(exponent: int) -> str:
    """``1e+08`` for 8."""
    return f"1e{exponent:+03d}"


def log_panels(title: str, series: Mapping[str, Sequence[float]], styles: Mapping[str, str], *,
               notes: Mapping[str, str] | None = None, width: int = 80, rows: int = 4) -> list[Text]:
    """The title, one braille panel of ``rows`` lines per series (its name on the first line, ``notes``
    after its last point), and the step axis, all on one log10 scale."""
    notes = notes or {}
    out = [Text(title, style="bold")]
    logs = [math.log10(v) for values in series.values() for v in values if v > 0 and math.isfinite(v)]
    if not logs:
        return [*out, Text("  (no finite values)", style="dim")]
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    hi = max(hi, lo + 1)
    rows = max(rows, 2)
    name_w = max(len(n) for n in series) + 2
    gutter = name_w + 7
    steps = max((len(v) for v in series.values()), default=1)
    plot_w = max(min((steps + 1) // 2, width - gutter - 2), 4)
    dot_w, dot_h = plot_w * 2, rows * 4
    labels = {0: decade(hi), rows - 1: decade(lo)}
    if rows >= 3:  # the decade at the middle row's centre
        mid = (rows - 1) // 2
        labels[mid] = decade(round(hi - (hi - lo) * (mid * 4 + 1.5) / (dot_h - 1)))
    for name, values in series.items():
        cells = [[0] * plot_w for _ in range(rows)]
        last_col, prev = -1, None
        for i, v in enumerate(values):
            if not (v > 0 and math.isfinite(v)):
                prev = None
                continue
            dx = round(i * (dot_w - 1) / max(steps - 1, 1))
            dy = round((hi - math.log10(v)) / (hi - lo) * (dot_h - 1))
            low, high = (dy, dy) if prev is None else (min(dy, prev), max(dy, prev))
            for y in range(low, high + 1):  # a vertical run joins it to the step before
                cells[y // 4][dx // 2] |= _DOTS[y % 4][dx % 2]
            prev, last_col = dy, dx // 2
        for r in range(rows):
            line = Text(f"{name if r == 0 else '':<{name_w}}", style=styles.get(name, "") if r == 0 else "")
            line.append(f"{labels[r]:>5} ┤" if r in labels else " " * 5 + " │", style="dim")
            line.append("".join(chr(0x2800 + b) if b else " " for b in cells[r][: last_col + 1]),
                        style=styles.get(name, ""))
            if r == rows - 1 and notes.get(name):
                line.append(" " * max(plot_w - last_col - 1 - len(notes[name]), 2) + notes[name], style="italic")
            out.append(line)
    out.append(Text(" " * (gutter - 1) + "└" + "─" * plot_w, style="dim"))
    first, last = "step 1", str(steps)
    out.append(Text(" " * gutter + first + last.rjust(max(plot_w - len(first), len(last))), style="dim"))
    return out
