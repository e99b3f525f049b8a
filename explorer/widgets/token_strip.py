"""Text coloured by one unit's activation, Karpathy-style; the current step is underlined."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from explorer.widgets.colormap import colour_for, text_on


def coloured_text(tokens: list[str], values: np.ndarray, lo: float = -1.0, hi: float = 1.0,
                  step: int | None = None, separator: str = "") -> Text:
    """``tokens`` with background colours from ``values`` (one per token)."""
    out = Text()
    for t, (token, value) in enumerate(zip(tokens, values)):
        bg = colour_for(float(value), lo, hi)
        shown = {"\n": "↵\n", "<eos>": "⏎"}.get(token, token)
        style = Style(bgcolor=bg, color=text_on(bg), underline=(t == step), bold=(t == step))
        out.append(shown, style=style)
        if separator:
            out.append(separator)
    return out


class TokenStrip(Widget):
    """The traced text, each token shaded by the selected unit's value at that step."""

    DEFAULT_CSS = """
    TokenStrip {
        height: auto;
        min-height: 2;
        max-height: 8;
        width: 1fr;
        padding: 0 1;
    }
    """

    step: reactive[int] = reactive(0)
    version: reactive[int] = reactive(0, layout=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tokens: list[str] = []
        self.values = np.zeros(0)
        self.label = ""
        self.lo, self.hi = -1.0, 1.0
        self.separator = ""

    def set_data(self, tokens: list[str], values: np.ndarray, label: str, lo: float = -1.0, hi: float = 1.0,
                 separator: str = "") -> None:
        tokens = list(tokens)
        # Same tokens and a label of the same length: the wrapping, so the height, cannot change.
        same_text = tokens == self.tokens and len(label) == len(self.label) and separator == self.separator
        self.tokens, self.values, self.label = tokens, np.asarray(values), label
        self.lo, self.hi, self.separator = lo, hi, separator
        if same_text:
            self.refresh()  # only the colours changed: repaint without a layout pass (keys stay fast)
        else:
            self.version += 1  # new text: its height may change

    def render(self) -> Text:
        if not self.tokens:
            return Text("(no text traced yet)", style="dim")
        head = Text(f"{self.label}: ", style="bold")
        return head + coloured_text(self.tokens, self.values, self.lo, self.hi, self.step, self.separator)
