"""Help: every key of the current screen and of the app, what it does, and whether it can act now.

Keys are grouped as a learner looks for them: this screen's keys, then the keys that work everywhere
(help, the palette, quit, ``1``–``6``), then how the focus moves (Tab, Escape). One row per action
(``? F1``), described in words; the bindings' ids are for developers and are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

FOCUS_ROWS: tuple[tuple[str, str], ...] = (
    ("Tab ⇧Tab", "move the focus to the next / previous box, list or button (it is drawn in the accent colour)"),
    ("Esc", "leave a text box: while a box has the focus, letters and digits are typed into it"),
    ("click", "a tab, a key on the bottom line or a box does what it shows"),
)


@dataclass(frozen=True)
class HelpRow:
    keys: str
    """Every key of the action, as shown on the key line (``? F1``)."""
    text: str
    """What it does."""
    enabled: bool
    """Whether it can act now (a dimmed key cannot)."""


def screen_switch_text() -> str:
    from explorer.screens import SCREENS, TITLES

    return "show a screen: " + " · ".join(f"{key} {TITLES[name]}" for name, (_m, _c, key) in SCREENS.items())


def help_rows(bindings: list[tuple[Binding, bool]], key_display) -> list[HelpRow]:
    """One row per action of ``(binding, enabled)`` pairs (in their order), system bindings left out;
    the screen-switch keys become one row (``1–7``)."""
    rows: dict[str, list] = {}
    switches: list[str] = []
    for binding, enabled in bindings:
        if binding.system:
            continue
        if binding.action.startswith("switch_mode("):
            switches.append(key_display(binding))
            continue
        row = rows.setdefault(binding.action, [[], binding.tooltip or binding.description or binding.action, enabled])
        shown = key_display(binding)
        if shown not in row[0]:
            row[0].append(shown)
    order = {"help": -1, "quit": 1}  # help first, quit last (then the screens)
    actions = sorted(rows, key=lambda action: order.get(action, 0))
    out = [HelpRow(" ".join(rows[a][0]), rows[a][1], rows[a][2]) for a in actions]
    if switches:
        out.append(HelpRow(f"{switches[0]}–{switches[-1]}" if len(switches) > 1 else switches[0],
                           screen_switch_text(), True))
    return out


def rows_table(rows: list[HelpRow] | tuple[tuple[str, str], ...]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, style="bold", min_width=9, max_width=12)
    table.add_column(ratio=1)
    for row in rows:
        if isinstance(row, HelpRow):
            text = Text(row.text + ("" if row.enabled else " (not now)"))
            table.add_row(row.keys, text, style="" if row.enabled else "dim")
        else:
            table.add_row(*row)
    return table


def keys_of(node, app) -> list[tuple[Binding, bool]]:
    """``(binding, enabled)`` for the bindings ``node`` declares (its class's and its bases'), those of
    seq-explorer only (they have an id).

    Read from the node's own bindings, not the screen's active ones: those leave out the keys a
    focused text box would type, and help lists them all. (``_bindings`` is Textual's per-node
    binding map; its public ``active_bindings`` depends on the focus.)
    """
    out = []
    for binding in node._bindings:  # BindingsMap iterates (key, Binding)
        binding = binding[1] if isinstance(binding, tuple) else binding
        if binding.id is None:
            continue  # Textual's own (Tab, copy): the app's bindings all have ids; Tab is under "Moving around"
        action = binding.action
        target, name, params = node, action, ()
        try:
            namespace, name, params = parse(action)
            if namespace == "app":
                target = app
        except Exception:  # noqa: BLE001 - an action string Textual would refuse too: shown enabled
            pass
        enabled = target.check_action(name, params)
        if enabled is False:
            continue  # hidden by the screen (not a dimmed key): as the key line does
        out.append((binding, bool(enabled)))
    return out


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen it was opened from, and the app's."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; height: 1; }
    HelpScreen .help-heading { text-style: bold; color: $text-accent; margin-top: 1; }
    HelpScreen #help-note { color: $text-muted; height: auto; margin-top: 1; }
    HelpScreen #help-foot { color: $text-muted; height: 1; }
    """

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, screen_title: str, screen_keys: list[HelpRow], app_keys: list[HelpRow],
                 note: str = "") -> None:
        super().__init__()
        self.screen_title = screen_title
        self.screen_keys = screen_keys
        self.app_keys = app_keys
        self.note = note

    @classmethod
    def for_screen(cls, screen, title: str) -> "HelpScreen":
        app = screen.app
        display = app.get_key_display
        return cls(title, help_rows(keys_of(screen, app), display), help_rows(keys_of(app, app), display),
                   getattr(screen, "HELP", ""))

    @property
    def text(self) -> str:
        """Everything the help says, as plain text (tests)."""
        lines = [f"{row.keys} {row.text}{'' if row.enabled else ' (not now)'}" for row in self.screen_keys + self.app_keys]
        return "\n".join(lines + [f"{k} {t}" for k, t in FOCUS_ROWS] + [self.note])

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Keys — {self.screen_title}", id="help-title", markup=False)
            with VerticalScroll():
                if self.screen_keys:
                    yield Static(f"On the {self.screen_title} screen", classes="help-heading", markup=False)
                    yield Static(rows_table(self.screen_keys))
                yield Static("Everywhere", classes="help-heading")
                yield Static(rows_table(self.app_keys))
                yield Static("Moving around", classes="help-heading")
                yield Static(rows_table(FOCUS_ROWS))
                if self.note:
                    yield Static(self.note, id="help-note", markup=False)
            yield Static("Dimmed keys cannot act right now. ↑↓ scroll · Esc closes.", id="help-foot")

    def action_close(self) -> None:
        self.dismiss(None)
