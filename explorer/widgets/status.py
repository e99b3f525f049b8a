"""The status line above the footer: what the app is doing (loading torch, running, errors)."""

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

    def _redraw(self) -> None:
        right = f"  {self.app_state}" if self.app_state else ""  # muted already: dim would be unreadable on light themes
        self.update(f"{self.message}{right}", layout=False)  # always one line: no layout pass
