"""Horizontal probability bars: the top candidates for the next token."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import READABLE_GREEN
from explorer.widgets.cosine_bars import bar  # the same eighth-cell bar as the cosine bars


def shown_token(token: str) -> str:
    return {"\n": "↵", " ": "␣"}.get(token, token)


def bars_table(items: list[tuple[str, float]], width: int = 30, chosen: str | None = None) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, justify="right")
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, justify="right")
    for token, p in items:
        style = "bold reverse" if token == chosen else ""
        table.add_row(Text(shown_token(token), style=style), Text(bar(p, width), style=READABLE_GREEN), f"{p:6.1%}")
    return table


class ProbabilityBars(Widget):
    """The top-k ``(token, probability)`` pairs as bars; ``chosen`` is highlighted."""

    DEFAULT_CSS = """
    ProbabilityBars {
        height: auto;
        min-height: 3;
        width: 1fr;
    }
    """

    version: reactive[int] = reactive(0, layout=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[tuple[str, float]] = []
        self.chosen: str | None = None
        self.title = ""

    def set_items(self, items: list[tuple[str, float]], chosen: str | None = None, title: str = "") -> None:
        self.items, self.chosen, self.title = list(items), chosen, title
        self.version += 1

    def render(self):
        if not self.items:
            return Text("(no candidates yet)", style="dim")
        width = max(self.size.width - 20, 5)
        table = bars_table(self.items, width, self.chosen)
        if self.title:
            table.title = self.title
        return table
