"""The base class of every screen: tab bar on top, the body, a status line and the footer.

The key line is :class:`~explorer.widgets.keybar.KeyBar` (lighter than Textual's ``Footer``).
Subclasses implement :meth:`compose_body`. ``self.status(text)`` writes to the
status line; ``self.options`` holds the command-line choices
(``checkpoint``, ``embeddings``, ``device``). Screen CSS is app-global, so rules
in ``DEFAULT_CSS`` are prefixed with the screen class name.
"""

from __future__ import annotations

from typing import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget

from explorer.widgets.keybar import KeyBar
from explorer.widgets.navbar import NavBar
from explorer.widgets.status import StatusBar


class ExplorerScreen(Screen):
    """A screen of seq-explorer (one per mode)."""

    mode_name: str = ""

    def compose(self) -> ComposeResult:
        yield NavBar(current=self.mode_name or None)
        with Vertical(classes="screen-body"):
            yield from self.compose_body()
        yield StatusBar()
        yield KeyBar()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def _compositor_refresh(self) -> None:
        # Inside a batch update (the app's first compose and mount) Textual renders the whole
        # screen and then drops the frame (App._display returns early); the refresh after the
        # batch renders it again. Skipping the dropped render saves ~25 ms of the first frame.
        # (Private Textual API: if it is renamed, this override is simply never called.)
        app = self.app
        if getattr(app, "_batch_count", 0):
            return
        if self is not app.screen and self in getattr(app, "_background_screens", ()):
            # Under a dialog (help, an error, a confirmation), each repaint of this screen made
            # Textual re-render the dialog's screen over it: a live chart ticking behind the help
            # screen took half a core and slowed training 3x. The screen repaints fully when it is
            # back on top (Screen._on_screen_resume), so its changes are shown then.
            return
        super()._compositor_refresh()

    @property
    def options(self) -> dict:
        return getattr(self.app, "options", {})

    def status(self, text: str) -> None:
        """Show ``text`` (console markup) on this screen's status line."""
        for bar in self.query(StatusBar):
            bar.message = text
