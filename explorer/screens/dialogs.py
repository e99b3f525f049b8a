"""Modal dialogs: an error dialog (what happened and what to try) and a yes/no question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ErrorDialog(ModalScreen[None]):
    """Says what went wrong (``message``) and what to try (``hint``); Enter or Escape closes it."""

    DEFAULT_CSS = """
    ErrorDialog { align: center middle; }
    ErrorDialog > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ErrorDialog #error-title { text-style: bold; color: $error; width: 1fr; }
    ErrorDialog #error-message { margin: 1 0; width: 1fr; }
    ErrorDialog #error-hint { color: $text-muted; width: 1fr; }
    ErrorDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape,enter", "dismiss_dialog", "Close", id="dialog.close", tooltip="Close this message"),
    ]

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="error-title", markup=False)
            yield Static(self.message, id="error-message", markup=False)
            if self.hint:
                yield Static(self.hint, id="error-hint", markup=False)
            with Horizontal():
                yield Button("OK", variant="error", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; dismisses with True for yes."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDialog Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes", tooltip="Answer yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no", tooltip="Answer no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, markup=False)
            with Horizontal():
                yield Button(self.no, id="no")
                yield Button(self.yes, variant="warning", id="yes")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class FilePickerDialog(ModalScreen["str | None"]):
    """Choose a file from a directory tree; dismisses with its path, or None on Escape."""

    DEFAULT_CSS = """
    FilePickerDialog { align: center middle; }
    FilePickerDialog > Vertical {
        width: 80%; max-width: 100; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FilePickerDialog DirectoryTree { height: 1fr; }
    FilePickerDialog #picker-help { color: $text-muted; height: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel", tooltip="Close without choosing")]

    def __init__(self, start: str = ".", title: str = "Choose a text file") -> None:
        super().__init__()
        self.start = start
        self.title_text = title

    def compose(self) -> ComposeResult:
        from textual.widgets import DirectoryTree

        with Vertical():
            yield Label(self.title_text, markup=False)
            yield DirectoryTree(self.start, id="tree")
            yield Static("Enter opens a folder or chooses a file · Escape cancels", id="picker-help")

    def on_mount(self) -> None:
        self.query_one("#tree").focus()

    def on_directory_tree_file_selected(self, event) -> None:
        event.stop()
        self.dismiss(str(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)
