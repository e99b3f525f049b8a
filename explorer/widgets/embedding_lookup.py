"""The embedding matrix E and the one-hot lookup e_j = E·O_j, drawn small, for one word.

In the course E is a D × V matrix, one column per word, and the embedding of word j is
the product with its one-hot vector O_j (V entries, a single 1 at row j)::

    E (D × V)   …  king   queen  man   …     e_j = E·O_j
    d1          …  0.50   0.37   -0.09 …  →   0.50
    d2          …  0.69   0.43    0.30 …  →   0.69
    ⋮
    O_jᵀ        …  1      0       0    …

The product is really computed (``O_j @ vectors``, a V-long dot per dimension, in a worker:
:func:`explorer.jobs.projection.lookup_view`) and checked against the column: the point is that
the lookup *is* a matrix product, only a wasteful one, which is why libraries index the column instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import READABLE_GREEN

if TYPE_CHECKING:  # pragma: no cover - computed in a worker by explorer.jobs.projection
    from explorer.jobs.projection import LookupView


def fit_columns(view: "LookupView", width: int) -> "LookupView":
    """Keep only as many columns (those nearest j) as fit in ``width`` cells."""
    fits = max(1, (width - 5 - 6 - 10) // 7)
    if fits >= len(view.columns):
        return view
    at = [k for k, _ in view.columns].index(view.j)
    start = min(max(at - fits // 2, 0), len(view.columns) - fits)
    keep = slice(start, start + fits)
    return replace(view, columns=view.columns[keep], block=tuple(row[keep] for row in view.block))


def render_lookup(view: "LookupView", width: int = 60) -> Text:
    view = fit_columns(view, width)
    cell = 7
    label_w = 5
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"j = index({view.word}) = {view.j:,}   E is D × V = {view.dim} × {view.vocab_size:,}\n", style="bold")
    if width < 50:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"j = {view.j:,}   E: {view.dim} × {view.vocab_size:,}\n", style="bold")
    left_more = view.columns[0][0] > 0
    right_more = view.columns[-1][0] < view.vocab_size - 1

    def row(label: str, values: list[tuple[str, bool]], tail: str = "", tail_style: str | None = None) -> None:
        text.append(label.ljust(label_w), style="dim")
        text.append(" … " if left_more else "   ", style="dim")
        for value, is_j in values:
            shown = value if len(value) < cell else value[:cell - 2] + "…"  # "princess" → "princ…", not "prince"
            text.append(shown.rjust(cell - 1) + " ", style="bold reverse" if is_j else None)
        text.append(" … " if right_more else "   ", style="dim")
        if tail:
            text.append(tail, style=tail_style)
        text.append("\n")

    row("E", [(w, k == view.j) for k, w in view.columns], "  e_j", "bold")
    for d, values in enumerate(view.block):
        row(f"d{d + 1}", [(f"{v:+.2f}", k == view.j) for v, (k, _) in zip(values, view.columns)],
            f"→ {view.e_j[d]:+.3f}", READABLE_GREEN)
    if view.dim > len(view.block):
        row("⋮", [("⋮", False) for _ in view.columns], "    ⋮")
    row("O_jᵀ", [("1" if k == view.j else "0", k == view.j) for k, _ in view.columns])
    check = "equals" if view.max_error < 1e-6 else f"differs by {view.max_error:.2g} from"
    said = f"E·O_j {check} column j of E: a lookup is a product with a one-hot O_j."
    if len(said) > width:  # two lines rather than a cut sentence (a lookup panel ~55 cells wide)
        said = said.replace(": a lookup", ":\na lookup")
    text.append(said, style="dim")
    return text


class EmbeddingLookup(Widget):
    """Shows :func:`render_lookup` for the chosen word (or a message)."""

    DEFAULT_CSS = """
    EmbeddingLookup {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        min-height: 4;
    }
    """

    view: reactive["LookupView | None"] = reactive(None, layout=True)
    message: reactive[str] = reactive("", layout=True)

    def show(self, view: "LookupView") -> None:
        self.message = ""
        self.view = view

    def show_message(self, message: str) -> None:
        self.view = None
        self.message = message

    def render(self) -> Text:
        if self.view is None:
            return Text(self.message or "type a word to see its column of E", style="dim")
        return render_lookup(self.view, self.content_size.width)
