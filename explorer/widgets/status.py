"""The status line above the footer: what the app is doing (loading torch, running, errors).

The screen's message comes first and keeps the line; the app's state (``device cpu``) is drawn at
the right end only where the message leaves room for it (80 columns are for the message).
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class StatusBar(Static):
    """One line: the screen's own message on the left, the app's torch/device state on the right."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $boost;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
    }
    """

    message: reactive[str] = reactive("")
    app_state: reactive[str] = reactive("")

    def on_mount(self) -> None:
        if hasattr(self.app, "torch_status"):
            self.watch(self.app, "torch_status", self._on_app_state, init=True)

    def _on_app_state(self, value: str) -> None:
        self.app_state = value

    def watch_message(self) -> None:
        self._redraw()

    def watch_app_state(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    @property
    def text(self) -> str:
        """The line as plain text (tests)."""
        return self.visual.plain if hasattr(self.visual, "plain") else str(self.render())

    def _redraw(self) -> None:
        from textual.content import Content

        left = Content.from_markup(self.message)
        width = self.content_size.width
        line = left
        if self.app_state:  # muted already: dim would be unreadable on light themes
            room = (width or 10**6) - left.cell_length - len(self.app_state)
            if room >= 2:
                line = left + Content(" " * (room if width else 2)) + Content(self.app_state)
        self.update(line, layout=False)  # always one line: no layout pass
