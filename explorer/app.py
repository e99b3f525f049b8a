"""The Textual app (shell; screens arrive with the app issue)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class SeqExplorerApp(App):
    TITLE = "seq-explorer"

    def __init__(self, *, screen: str = "train", checkpoint: str | None = None,
                 embeddings: str = "glove", device: str = "auto") -> None:
        super().__init__()
        self.start_screen = screen
        self.checkpoint = checkpoint
        self.embeddings = embeddings
        self.device_name = device

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("seq-explorer", id="welcome")
        yield Footer()


def make_app(**kwargs) -> SeqExplorerApp:
    """App factory shared by the command line and the tests."""
    return SeqExplorerApp(**kwargs)
