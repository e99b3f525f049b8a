"""Help: every key of the current screen (and the app), with what it does and whether it can run now."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def bindings_table(title: str, bindings: dict[str, ActiveBinding], key_display=None) -> Table:
    table = Table(title=title, expand=True, show_edge=False, pad_edge=False)
    table.add_column("key", no_wrap=True, style="bold")
    table.add_column("does")
    table.add_column("id", style="dim", no_wrap=True)
    seen: set[tuple[str, str]] = set()
    for key, active in bindings.items():
        binding = active.binding
        if binding.system:
            continue
        ident = (binding.action, key)
        if ident in seen:
            continue
        seen.add(ident)
        description = binding.description or binding.action
        if binding.tooltip:
            description = f"{description} — {binding.tooltip}"
        row_style = "" if active.enabled else "dim"
        key_text = binding.key_display or (key_display(binding) if key_display else key)
        label = Text(description + ("" if active.enabled else " (not now)"))
        table.add_row(key_text, label, binding.id or "", style=row_style)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys active on the screen it was opened from."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; height: 1; }
    HelpScreen #help-note { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, screen_title: str, bindings: dict[str, ActiveBinding], note: str = "") -> None:
        super().__init__()
        self.screen_title = screen_title
        self.bindings = bindings
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Keys — {self.screen_title}", id="help-title", markup=False)
            with VerticalScroll():
                yield Static(bindings_table("", self.bindings, self.app.get_key_display))
                if self.note:
                    yield Static(self.note, id="help-note")
            yield Static("[dim]Dimmed keys cannot run right now. Escape closes.[/]")

    def action_close(self) -> None:
        self.dismiss(None)
