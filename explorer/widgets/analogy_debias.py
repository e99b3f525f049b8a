"""Debias view: each word's cosine with the bias direction g, before and after, as bars.

Wide (two bars on one scale, negative to the left of each centre line, positive to the right)::

    word              before          after       cos(e, g)
    receptionist         │███▌           │        +0.33 →  0.00
    grandmother          │██▏            │█▊      +0.38 → +0.50

Narrow (one axis per word: ░ where the word was, █ where it is after debiasing)::

    receptionist     │░░░░     +0.33 →  0.00
    grandmother      │████▋    +0.38 → +0.50

The figures always fit: the bars give way first (two bars, then one, then shorter words).
Neutral words should drop to 0 after neutralize (blue); equalized pairs (pink) end with equal and
opposite values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.cosine_bars import bar

if TYPE_CHECKING:  # pragma: no cover - computed in a worker by explorer.jobs.analogies
    from explorer.jobs.analogies import DebiasRow

FIGURES = len("+0.33 → +0.00")
WORD_MAX = 12
MIN_TWO_BARS = 4
"""Cells per side below which the two bars become one."""
PAIR_COLOUR = "deep_pink3"  # readable on dark and light
NEUTRAL_COLOUR = "dodger_blue2"


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


def overlay_bar(before: float, after: float, scale: float, half: int) -> tuple[str, str]:
    """One axis for both values: ``after`` as a solid bar, and ░ where ``before`` reached beyond it."""
    left, right = diverging_bar(after, scale, half)
    cells = round(min(abs(before) / scale, 1.0) * half) if scale > 0 else 0
    if before < 0:
        left = "".join("░" if c == " " and i >= half - cells else c for i, c in enumerate(left))
    elif before > 0:
        right = "".join("░" if c == " " and i < cells else c for i, c in enumerate(right))
    return left, right


def layout(width: int, longest_word: int) -> tuple[int, int, bool]:
    """(word width, cells per side of a bar, two bars?) for ``width`` cells."""
    word_w = min(longest_word, WORD_MAX)
    half = (width - word_w - 2 - FIGURES - 3) // 4  # word␣␣ bar␣ bar␣ figures
    if half >= MIN_TWO_BARS:
        return word_w, half, True
    while True:
        half = (width - word_w - 2 - FIGURES - 2) // 2  # word␣␣ bar␣␣ figures
        if half >= 2 or word_w <= 6:
            return word_w, max(half, 0), False
        word_w -= 1


def figures(before: float, after: float) -> tuple[str, str]:
    """``"+0.33 → "`` and ``" 0.00"`` (no "-0.00": a neutralized word reads 0)."""
    after = 0.0 if abs(after) < 5e-3 else after
    return f"{before:+.2f} → ", (f"{after:+.2f}" if after else " 0.00")


class DebiasBars(Widget):
    """Cosines with the bias direction before/after neutralize and equalize."""

    DEFAULT_CSS = """
    DebiasBars {
        height: auto;
        min-height: 3;
        padding: 0 1;
        text-wrap: nowrap;
    }
    DebiasBars.-stale {
        color: $text-disabled;
    }
    """

    rows: reactive["tuple[DebiasRow, ...]"] = reactive((), layout=True)
    placeholder: reactive[str] = reactive("no debias data")

    def show(self, rows: "Sequence[DebiasRow]") -> None:
        self.rows = tuple(rows)

    def clear(self, placeholder: str = "no debias data") -> None:
        self.placeholder = placeholder
        self.rows = ()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.rows) + 1 if self.rows else 1

    def lines(self, width: int) -> list[Text]:
        """The header and one line per word in ``width`` cells (pure: testable without an app)."""
        if not self.rows:
            return [Text(self.placeholder, style="dim")]
        word_w, half, two = layout(width, max(len(r.word) for r in self.rows))
        scale = max(max(abs(r.before), abs(r.after)) for r in self.rows) or 1.0
        span = 2 * half + 1
        if two:
            head = " " * (word_w + 2) + "before".center(span) + " " + "after".center(span) + " " + "cos(e, g)"
        else:
            head = "░ before  █ after".ljust(word_w + 2 + span + 2) + "cos(e, g)"
        out = [Text(head.rstrip(), style="dim", no_wrap=True)]
        for row in self.rows:
            colour = PAIR_COLOUR if row.kind == "pair" else NEUTRAL_COLOUR
            line = Text(no_wrap=True)
            word = row.word if len(row.word) <= word_w else row.word[: word_w - 1] + "…"
            line.append(word.ljust(word_w) + "  ", style="bold" if row.kind == "pair" else None)
            bars = ([diverging_bar(row.before, scale, half), diverging_bar(row.after, scale, half)] if two
                    else [overlay_bar(row.before, row.after, scale, half)])
            for left, right in bars:
                line.append(left, style=colour)
                line.append("│", style="dim")
                line.append(right + " ", style=colour)
            if not two:
                line.append(" ")
            before, after = figures(row.before, row.after)
            line.append(before)
            line.append(after, style="bold")
            out.append(line)
        return out

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.content_size.width or 40))
