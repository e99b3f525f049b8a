"""The tab bar at the top of every screen: one clickable entry per screen, with its key.

It always fits one line: the widest form that fits the terminal is drawn (see :func:`tab_markup`),
so at 80 columns every screen's key and name is still there, and the current one is marked.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

BRAND = "seq-explorer"


def _short(title: str, letters: int = 5) -> str:
    return title if len(title) <= letters + 1 else title[:letters] + "."


def tab_markup(current: str | None, width: int | None = None) -> str:
    """The tab bar's markup for a terminal ``width`` columns wide (None: the widest form).

    From widest to narrowest: the app's name and every title; every title; titles of more than six
    letters shortened ("Embed.") except the current one's; only the keys, with the current title.
    """
    from explorer.screens import SCREENS, TITLES

    entries = [(name, key, TITLES[name]) for name, (_module, _cls, key) in SCREENS.items()]

    def build(brand: bool, title_of) -> tuple[str, int]:
        parts = [f"[b]{BRAND}[/b] "] if brand else []
        length = len(BRAND) + 1 if brand else 0
        for name, key, title in entries:
            shown = title_of(name, title)
            label = f" {key} {shown} " if shown else f" {key} "
            length += len(label)
            link = f"[@click=app.switch_mode('{name}')]{label}[/]"
            parts.append(f"[reverse b]{link}[/]" if name == current else link)
        return "".join(parts), length

    forms = (
        (True, lambda name, title: title),
        (False, lambda name, title: title),
        (False, lambda name, title: title if name == current else _short(title)),
        (False, lambda name, title: title if name == current else ""),
    )
    markup = ""
    for brand, title_of in forms:
        markup, length = build(brand, title_of)
        if width is None or length <= width:
            return markup
    return markup


class NavBar(Widget):
    """``1 Train  2 Gates  3 Generate …`` — click an entry or press its key."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        link-style: none;
        link-color: $text-muted;
        link-background: $panel;
        link-style-hover: bold;
    }
    """

    def __init__(self, current: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current
        self._drawn: tuple[str | None, int, Content] | None = None

    def on_mount(self) -> None:
        if not self.current:
            self.current = getattr(self.screen, "mode_name", None)
            self.refresh()

    def render(self) -> Content:
        width = self.size.width
        if self._drawn is None or self._drawn[:2] != (self.current, width):
            self._drawn = (self.current, width, Content.from_markup(tab_markup(self.current, width or None)))
        return self._drawn[2]

    @staticmethod
    def markup_for(current: str | None) -> str:
        """The widest form (tests)."""
        return tab_markup(current)
