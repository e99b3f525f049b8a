"""The tab bar at the top of every screen: one clickable entry per screen, with its key."""

from __future__ import annotations

from textual.widgets import Static


class NavBar(Static):
    """``1 Train  2 Gates  3 Generate …`` — click an entry or press its key."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, current: str | None = None, **kwargs) -> None:
        # Content given at construction is in the first frame (an update in on_mount waits a frame).
        super().__init__(self.markup_for(current) if current else "", **kwargs)
        self.current = current

    def on_mount(self) -> None:
        if not self.current:
            self.update(self.markup_for(getattr(self.screen, "mode_name", None)))

    @staticmethod
    def markup_for(current: str | None) -> str:
        from explorer.screens import SCREENS, TITLES

        parts = ["[b]seq-explorer[/b] "]
        for name, (_module, _cls, key) in SCREENS.items():
            label = f" {key} {TITLES[name]} "
            link = f"[@click=app.switch_mode('{name}')]{label}[/]"
            parts.append(f"[reverse b]{link}[/]" if name == current else link)
        return "".join(parts)
