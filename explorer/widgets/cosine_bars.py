"""A ranked word list with a bar per score (cosine similarity, or 3CosMul's ratio).

::

     1  queen        ██████████████████████▋          0.8524
     2  prince       ███████████████████▏             0.7682

The bar runs from 0 to ``scale`` (1 for cosines, the largest score otherwise);
a negative score has an empty bar and a red figure. Words in ``marked`` (the
expected answer of an analogy) are highlighted; ``dimmed`` words (query words
shown because the user asked to include them) are dimmed.
"""

from __future__ import annotations

from typing import Collection, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import READABLE_GREEN

_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, width: int) -> str:
    """A left-aligned bar of ``value`` ∈ [0, 1] in ``width`` cells, to 1/8 of a cell (padded)."""
    width = max(0, width)
    value = min(max(float(value), 0.0), 1.0) if value == value else 0.0  # NaN → empty
    eighths = round(value * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text.ljust(width)[:width]


def bar_scale(scores: Sequence[float]) -> float:
    """1.0 when every score is a cosine (|s| ≤ 1), else the largest score (3CosMul ratios)."""
    finite = [abs(s) for s in scores if s == s]
    top = max(finite, default=1.0)
    return 1.0 if top <= 1.0 else top


class CosineBars(Widget):
    """Top-n answers with rank, word, bar and score."""

    DEFAULT_CSS = """
    CosineBars {
        height: auto;
        min-height: 3;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    rows: reactive[tuple[tuple[str, float], ...]] = reactive((), layout=True)
    title: reactive[str] = reactive("")
    placeholder: reactive[str] = reactive("")

    def __init__(self, placeholder: str = "", *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(CosineBars.placeholder, placeholder)
        self._marked: frozenset[str] = frozenset()
        self._dimmed: frozenset[str] = frozenset()
        self._label = "cos"

    def show(self, rows: Sequence[tuple[str, float]], *, title: str = "", marked: Collection[str] = (),
             dimmed: Collection[str] = (), label: str = "cos") -> None:
        """Display ``rows`` (word, score), best first."""
        self._marked = frozenset(marked)
        self._dimmed = frozenset(dimmed)
        self._label = label
        self.title = title
        self.rows = tuple((str(w), float(s)) for w, s in rows)
        self.refresh(layout=True)

    def clear(self, placeholder: str = "") -> None:
        self.placeholder = placeholder
        self.show(())

    def get_content_height(self, container, viewport, width: int) -> int:
        return (len(self.rows) + (1 if self.title else 0)) or 1

    def render(self) -> Text:
        if not self.rows:
            return Text(self.placeholder, style="dim")
        width = max(self.content_size.width, 30)
        word_w = min(max(len(w) for w, _ in self.rows), 20)
        bar_w = max(width - word_w - 4 - 2 - 9, 4)
        scale = bar_scale([s for _, s in self.rows])
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.title:
            text.append(self.title + "\n", style="bold")
        for rank, (word, score) in enumerate(self.rows, 1):
            style = READABLE_GREEN if word in self._marked else ("dim" if word in self._dimmed else "")
            text.append(f"{rank:>2}  ", style="dim")
            text.append(word[:word_w].ljust(word_w), style=style or None)
            text.append("  ")
            text.append(bar(score / scale, bar_w), style=READABLE_GREEN if word in self._marked else "dodger_blue2")
            text.append(f" {score:>8.4f}", style="red" if score < 0 else None)
            if rank < len(self.rows):
                text.append("\n")
        return text
