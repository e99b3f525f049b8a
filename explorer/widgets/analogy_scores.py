"""The Google analogy evaluation as a table that fits its panel: section, correct/total, accuracy, bar.

::

    section                correct / total accuracy
    all                 7,394 / 14,877    49.7%  █████████▉
    semantic            3,794 /  7,416    51.2%  ██████████▏
    syntactic (gram…)   3,600 /  7,461    48.3%  █████████▋
    capital-common        403 /    506    79.6%  ███████████████▉
    …

Every column but the section name and the bar has a fixed width, so the figures are never cut:
a narrow panel abbreviates the section names (``gram3-comparative`` → ``comparative``, then
``compar…``) and shortens the bar, which goes last and may vanish below a few cells.
:func:`score_lines` is pure (testable without an app).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.cosine_bars import bar

SHORT_NAMES = {
    "capital-common-countries": "capital-common",
    "gram1-adjective-to-adverb": "adjective-adverb",
    "gram5-present-participle": "present-participle",
    "gram6-nationality-adjective": "nationality-adj",
}
"""Shorter names for the Google sections that are long (the others lose their ``gramN-`` only)."""

NUMBERS_WIDTH = 15  # "12,345 / 12,345"
ACCURACY_WIDTH = 9  # "   100.0%"
MIN_NAME = 8
MIN_BAR = 4


def _shortened(section: str) -> str:
    return SHORT_NAMES.get(section) or re.sub(r"^gram\d+-", "", section)


def short_name(section: str, width: int) -> str:
    """``section`` in at most ``width`` characters: the full name, a shorter one (a known short
    name, or the name without its ``gramN-`` prefix), or that cut with an ellipsis."""
    if len(section) <= width:
        return section
    name = _shortened(section)
    return name if len(name) <= width else name[: max(width - 1, 1)] + "…"


def score_lines(rows: Sequence[tuple[str, int, int]], width: int,
                totals: Sequence[tuple[str, int, int]] = ()) -> list[Text]:
    """The header, the ``totals`` rows (bold: the headline figures first) and one line per
    (name, correct, total) row,
    laid out in ``width`` cells: the figures always whole, the names shortened before the bar goes."""
    names = [name for name, _, _ in (*rows, *totals)]
    full = max((len(n) for n in names), default=7)
    short = max((len(_shortened(n)) for n in names), default=7)
    room = width - NUMBERS_WIDTH - ACCURACY_WIDTH - 1  # one space between the name and the figures
    if room >= full + MIN_BAR + 8:
        name_w = full
    elif room >= short + MIN_BAR:
        name_w = short
    else:
        name_w = max(min(short, room), MIN_NAME)
    bar_w = room - name_w - 2  # two spaces before the bar
    header = Text(f"{'section':<{name_w}} {'correct / total':>{NUMBERS_WIDTH}}{'accuracy':>{ACCURACY_WIDTH}}",
                  style="dim", no_wrap=True)
    lines = [header]
    for i, (name, correct, total) in enumerate((*totals, *rows)):
        line = Text(no_wrap=True, style="bold" if i < len(totals) else "")
        line.append(f"{short_name(name, name_w):<{name_w}} ")
        line.append(f"{correct:>6,} /{total:>7,}".rjust(NUMBERS_WIDTH))
        if total:
            accuracy = correct / total
            line.append(f"{accuracy:>{ACCURACY_WIDTH}.1%}")
            if bar_w >= MIN_BAR:
                line.append("  " + bar(accuracy, bar_w), style="dodger_blue2")
        else:
            line.append(f"{'–':>{ACCURACY_WIDTH}}")
        lines.append(line)
    return lines


class AnalogyScores(Widget):
    """Per-section accuracy of an analogy evaluation, with semantic/syntactic/total rows."""

    DEFAULT_CSS = """
    AnalogyScores {
        height: auto;
        padding: 0 1;
    }
    AnalogyScores.-stale {
        color: $text-disabled;
    }
    """

    rows: reactive[tuple[tuple[str, int, int], ...]] = reactive((), layout=True)
    totals: reactive[tuple[tuple[str, int, int], ...]] = reactive((), layout=True)

    def show(self, sections: Mapping[str, tuple[int, int]]) -> None:
        """Show ``sections`` (name → (correct, total)) with semantic/syntactic/all rows summed up."""
        rows = tuple((name, int(c), int(t)) for name, (c, t) in sections.items())
        sums = []
        for label, keep in (("all", lambda n: True), ("semantic", lambda n: not n.startswith("gram")),
                            ("syntactic (gram…)", lambda n: n.startswith("gram"))):
            picked = [(c, t) for n, c, t in rows if keep(n)]
            if picked:
                sums.append((label, sum(c for c, _ in picked), sum(t for _, t in picked)))
        self.totals = tuple(sums)
        self.rows = rows

    def clear(self) -> None:
        self.totals = ()
        self.rows = ()

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 + len(self.rows) + len(self.totals) if self.rows else 1

    def render(self) -> Text:
        if not self.rows:
            return Text("no evaluation yet", style="dim")
        return Text("\n").join(score_lines(self.rows, self.content_size.width or 40, self.totals))
