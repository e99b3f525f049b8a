"""Debias view: each word's projection on the bias direction g, before and after, as bars.

::

    word            before       after
    receptionist      │███▌        │        +0.33 →  0.00
    grandmother       │██▏         │█▊      +0.21 → +0.16

Bars diverge from a centre line (negative to the left, positive to the right),
all on one scale so before and after compare at a glance. Neutral words should
drop to 0 after neutralize (blue); equalized pairs (pink) become symmetric (±the same value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.cosine_bars import bar

if TYPE_CHECKING:  # pragma: no cover - computed in a worker by explorer.jobs.analogies
    from explorer.jobs.analogies import DebiasRow

def right_bar(frac: float, width: int) -> str:
    """A right-aligned bar of ``frac`` ∈ [0, 1] in ``width`` cells, to half a cell (▐)."""
    halves = round(min(max(frac, 0.0), 1.0) * width * 2)
    full, half = divmod(halves, 2)
    return (("▐" if half else "") + "█" * full).rjust(width)[-width:] if width > 0 else ""


def diverging_bar(value: float, scale: float, half: int) -> tuple[str, str]:
    """(left, right) halves of a bar centred at 0: ``value``/``scale`` fills one side."""
    frac = min(abs(value) / scale, 1.0) if scale > 0 else 0.0
    if value < 0:
        return right_bar(frac, half), " " * half
    return " " * half, bar(frac, half)


class DebiasBars(Widget):
    """Projections on the bias direction before/after neutralize and equalize."""

    DEFAULT_CSS = """
    DebiasBars {
        height: auto;
        min-height: 3;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    rows: reactive["tuple[DebiasRow, ...]"] = reactive((), layout=True)
    title: reactive[str] = reactive("")

    def show(self, rows: "Sequence[DebiasRow]", title: str = "") -> None:
        self.title = title
        self.rows = tuple(rows)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.rows) + 2 if self.rows else 1

    def render(self) -> Text:
        """One line per word: the 'before' and 'after' bars on one scale, then ``before → after``."""
        if not self.rows:
            return Text("no debias data", style="dim")
        width = max(self.content_size.width, 30)
        word_w = min(max(len(r.word) for r in self.rows), 12)
        half = max((width - word_w - 2 - 4 - 16) // 4, 2)  # 2 spare cells for a scrollbar
        scale = max(max(abs(r.before), abs(r.after)) for r in self.rows) or 1.0
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.title:
            text.append(self.title + "\n", style="bold")
        text.append(" " * (word_w + 2) + "before".center(2 * half + 1) + " " + "after".center(2 * half + 1)
                    + "\n", style="dim")
        for i, row in enumerate(self.rows):
            colour = "deep_pink3" if row.kind == "pair" else "dodger_blue2"  # readable on dark and light
            text.append(row.word[:word_w].ljust(word_w) + "  ", style="bold" if row.kind == "pair" else None)
            for value in (row.before, row.after):
                left, right = diverging_bar(value, scale, half)
                text.append(left, style=colour)
                text.append("│", style="dim")
                text.append(right + " ", style=colour)
            after = 0.0 if abs(row.after) < 5e-3 else row.after  # no "-0.00"
            text.append(f"{row.before:+.2f} → ")
            text.append(f"{after:+.2f}" if after else " 0.00", style="bold")
            if i < len(self.rows) - 1:
                text.append("\n")
        return text
