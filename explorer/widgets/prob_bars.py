"""Probability bars for the next token: the distribution sampled from, beside the model's own.

One row per candidate token (best first by the model's probability, which the temperature and
top-k never reorder), two bars side by side: **sampled** — what the sampler drew this token with,
``softmax(z/T)`` over the top-k tokens — and **model** — ``softmax(z)``, temperature 1, every token.
The token the text took is highlighted; a token the sampler could not draw (outside the top-k, UNK)
shows "—" in the sampled column.
"""

from __future__ import annotations

from typing import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import READABLE_GREEN
from explorer.widgets.cosine_bars import bar  # the same eighth-cell bar as the cosine bars

MODEL_COLOUR = "#1f77b4"  # tab10 blue: readable on light and dark themes


def shown_token(token: str) -> str:
    return {"\n": "↵", " ": "␣"}.get(token, token)


def sampled_label(temperature: float, top_k: int | None) -> str:
    """The sampled column's title: ``sampled T 0.8 · top 5`` (``all`` without top-k)."""
    return f"sampled T {temperature:g} · {f'top {top_k}' if top_k else 'all'}"


MODEL_LABEL = "model's own T 1"


def _cell(p: float, width: int, colour: str) -> Text:
    text = Text(bar(p, width), style=colour)
    text.append(f"{p:6.1%}")
    return text


def bars_table(rows: Sequence[tuple[str, float, float]], width: int = 60, chosen: str | None = None,
               sampled_title: str = "sampled", model_title: str = MODEL_LABEL) -> Table:
    """``rows`` of ``(token, sampled p, model p)`` as two bar columns fitting ``width`` cells."""
    token_width = min(max([len(shown_token(t)) for t, _s, _m in rows] + [1]), 10)
    bar_width = max((width - token_width - 2 * 6 - 4) // 2, 3)
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, justify="right", max_width=token_width)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_row("", Text(sampled_title[: bar_width + 6], style="bold"),
                  Text(model_title[: bar_width + 6], style=f"bold {MODEL_COLOUR}"))
    for token, sampled, model in rows:
        name = Text(shown_token(token)[:token_width], style="bold reverse" if token == chosen else "")
        drawn = _cell(sampled, bar_width, READABLE_GREEN) if sampled > 0 else \
            Text("—".ljust(bar_width + 6), style="dim")
        table.add_row(name, drawn, _cell(model, bar_width, MODEL_COLOUR))
    return table


class ProbabilityBars(Widget):
    """The candidates for the next token: sampled and model probabilities side by side."""

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
        self.rows: list[tuple[str, float, float]] = []
        """``(token, sampled p, model p)``, best first."""
        self.chosen: str | None = None
        self.sampled_title = "sampled"

    def set_candidates(self, candidates: Sequence, chosen: str | None = None, sampled_title: str = "sampled") -> None:
        """Show ``candidates`` (:class:`engine.lm.sampling.Candidate`: ``token``, ``sampled``, ``model``)."""
        self.rows = [(c.token, c.sampled, c.model) for c in candidates]
        self.chosen, self.sampled_title = chosen, sampled_title
        self.version += 1

    def render(self):
        if not self.rows:
            return Text("(no candidates yet)", style="dim")
        return bars_table(self.rows, self.size.width, self.chosen, self.sampled_title)
