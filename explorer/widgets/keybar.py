"""The key line at the bottom of every screen: one widget instead of Textual's ``Footer``.

Textual's ``Footer`` is a container of one ``FooterKey`` widget per binding (about 15 on
each screen here). It recomposes all of them after the first frame and again whenever the
bindings change (focus moves, a run starts or stops), which measured ~0.1 s of the
app's start and a restyle of ~15 widgets on each change. ``KeyBar`` renders the same
content as one line of markup: ``?`` (every key) first, the screen's own keys, the
palette and quit, then the screen keys ``1``–``6``. A key that cannot run now is
dimmed; clicking a key presses it. The line always fits: on a narrow terminal the least
important keys are left out (:func:`keys_markup`), never help or quit.

While a text box has the focus, Textual leaves out the keys it would type (``Input.check_consume_key``),
and the line starts with "Esc leave box".
"""

from __future__ import annotations

from typing import Callable, Iterable

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static


HELP_ACTION = "help"
QUIT_ACTION = "quit"
PALETTE_ACTION = "command_palette"
LEAVE_KEY = "escape"

# Ranks: what a narrow terminal keeps first (lower first). The order on the line stays the same.
_RANK_ALWAYS, _RANK_OWN, _RANK_PALETTE, _RANK_DIMMED, _RANK_SWITCH = range(5)


def _is_screen_switch(binding: Binding) -> bool:
    return binding.action.startswith("switch_mode(")


def _item(key: str, description: str, press: str | None) -> tuple[str, int]:
    """One entry's markup and its width in cells (``press``: the key a click presses; None: dimmed)."""
    plain = f" {key} {description} "
    key, description = escape(key), escape(description)
    if press is None:
        return f"[dim] {key} {description} [/]", len(plain)
    return f"[@click=app.simulate_key({press!r})] [b $footer-key-foreground]{key}[/] {description} [/]", len(plain)


def key_items(bindings: Iterable[tuple[Binding, bool]], key_display: Callable[[Binding], str],
              typing: bool = False) -> list[tuple[int, str, int]]:
    """``(rank, markup, width)`` of every entry, in the order of the line.

    The order: (while typing in a box) how to leave it, then help, the screen's own keys, the palette
    and quit, then the screen-switch keys (the tab bar shows those too). ``bindings`` are
    ``(binding, enabled)`` pairs; hidden ones are skipped and each action is shown once.
    """
    seen: set[str] = set()
    first: list[tuple[int, str, int]] = []
    own: list[tuple[int, str, int]] = []
    last: list[tuple[int, str, int]] = []
    switches: list[tuple[int, str, int]] = []
    if typing:
        first.append((_RANK_ALWAYS, *_item("Esc", "leave box", LEAVE_KEY)))
    for binding, enabled in bindings:
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        markup, width = _item(key_display(binding), binding.description, binding.key if enabled else None)
        if binding.action == HELP_ACTION:
            first.append((_RANK_ALWAYS, markup, width))
        elif binding.action == QUIT_ACTION:
            last.append((_RANK_ALWAYS, markup, width))
        elif binding.action == PALETTE_ACTION:
            last.insert(0, (_RANK_PALETTE, markup, width))
        elif _is_screen_switch(binding):
            switches.append((_RANK_SWITCH, markup, width))
        else:
            own.append((_RANK_OWN if enabled else _RANK_DIMMED, markup, width))
    return first + own + last + switches


def keys_markup(bindings: Iterable[tuple[Binding, bool]], key_display: Callable[[Binding], str],
                width: int | None = None, typing: bool = False) -> str:
    """One line of markup for ``(binding, enabled)`` pairs that fits ``width`` cells (None: all of them).

    Where not everything fits, entries are dropped from the least important: screen switches (the
    tab bar shows them), dimmed keys, the palette, then the screen's own keys from the last; help,
    quit and (while typing) "Esc leave box" always stay. A key that cannot run now is dimmed.
    """
    items = key_items(bindings, key_display, typing)
    if width is None:
        return "".join(markup for _rank, markup, _width in items)
    kept: set[int] = set()
    used = 0
    for index in sorted(range(len(items)), key=lambda i: (items[i][0], i)):
        rank, _markup, cells = items[index]
        if used + cells > width and rank != _RANK_ALWAYS:
            break
        kept.add(index)
        used += cells
    return "".join(markup for index, (_rank, markup, _width) in enumerate(items) if index in kept)


def typing_in_box(screen) -> bool:
    """Whether the focused widget of ``screen`` takes typed text (an ``Input``: the app has no TextArea)."""
    from textual.widgets import Input

    return isinstance(screen.focused, Input)


class KeyBar(Static):
    """The keys of the current screen in one line (Textual's ``Footer``, lighter)."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=True, **kwargs)
        self.auto_links = False  # keep the keys' own colours (link styling would repaint them)
        self.shown_markup = ""
        """The markup on show (tests read it)."""
        self._pending = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        if not self._pending:  # several changes in one frame redraw once
            self._pending = True
            self.call_after_refresh(self.refresh_keys)

    def on_resize(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Redraw from the screen's active bindings (dimmed where ``check_action`` says no), as many as
        fit the line; while a text box has the focus, its typed keys are not listed (they type) and
        "Esc leave box" comes first."""
        self._pending = False
        screen = self.screen
        active = screen.active_bindings
        pairs = [(binding, enabled) for (_node, binding, enabled, _tooltip) in active.values()]
        width = self.size.width or None
        self.shown_markup = keys_markup(pairs, self.app.get_key_display, width, typing_in_box(screen))
        self.update(self.shown_markup, layout=False)  # always one line: no layout pass
