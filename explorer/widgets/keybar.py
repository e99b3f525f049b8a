"""The key line at the bottom of every screen: one widget instead of Textual's ``Footer``.

Textual's ``Footer`` is a container of one ``FooterKey`` widget per binding (about 15 on
each screen here). It recomposes all of them after the first frame and again whenever the
bindings change (focus moves, a run starts or stops), which measured ~0.1 s of the
app's start and a restyle of ~15 widgets on each change. ``KeyBar`` renders the same
content as one line of markup: ``?`` (every key) first, the screen's own keys, the
palette and quit, then the screen keys ``1``–``6``. A key that cannot run now is
dimmed; clicking a key presses it.
"""

from __future__ import annotations

from typing import Callable, Iterable

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static


HELP_ACTION = "help"


def _is_screen_switch(binding: Binding) -> bool:
    return binding.action.startswith("switch_mode(")


def keys_markup(bindings: Iterable[tuple[Binding, bool]], key_display: Callable[[Binding], str]) -> str:
    """One line of markup for ``(binding, enabled)`` pairs (shown bindings only, one per action).

    ``?`` (the list of every key) goes first, so it is never cut off. Screen-switch keys
    go last: the tab bar at the top shows them too, so they are the ones a narrow
    terminal cuts off.
    """
    seen: set[str] = set()
    first: list[str] = []
    own: list[str] = []
    switches: list[str] = []
    for binding, enabled in bindings:
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        key = escape(key_display(binding))
        description = escape(binding.description)
        if enabled:
            key_text = f"[b $footer-key-foreground]{key}[/]"
            item = f"[@click=app.simulate_key({binding.key!r})] {key_text} {description} [/]"
        else:
            item = f"[dim] {key} {description} [/]"
        if binding.action == HELP_ACTION:
            first.append(item)
        else:
            (switches if _is_screen_switch(binding) else own).append(item)
    return "".join(first + own + switches)


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
        text-overflow: ellipsis;
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

    def refresh_keys(self) -> None:
        """Redraw from the screen's active bindings (dimmed where ``check_action`` says no)."""
        self._pending = False
        active = self.screen.active_bindings
        pairs = [(binding, enabled) for (_node, binding, enabled, _tooltip) in active.values()]
        self.shown_markup = keys_markup(pairs, self.app.get_key_display)
        self.update(self.shown_markup, layout=False)  # always one line: no layout pass
