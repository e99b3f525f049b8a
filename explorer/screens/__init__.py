"""The app's screens, one module each, loaded lazily.

``SCREENS`` maps a screen name to ``(module path, class name, key)``. The App
adds one mode per entry and binds ``key`` to it; the module is imported only when
the screen is first shown, so a screen whose module is missing (not written yet)
or broken becomes a placeholder that says so, and the others still work.

To plug a screen in: write ``explorer/screens/<name>.py`` with a ``Screen``
subclass (ideally :class:`explorer.screens.base.ExplorerScreen`, which adds the
tab bar, the status line and the footer) and keep its entry here.
"""

from __future__ import annotations

import importlib

SCREENS: dict[str, tuple[str, str, str]] = {
    "train": ("explorer.screens.train", "TrainScreen", "1"),
    "gates": ("explorer.screens.gates", "GatesScreen", "2"),
    "generate": ("explorer.screens.generate", "GenerateScreen", "3"),
    "embeddings": ("explorer.screens.embeddings", "EmbeddingsScreen", "4"),
    "analogies": ("explorer.screens.analogies", "AnalogiesScreen", "5"),
    "gradients": ("explorer.screens.gradients", "GradientsScreen", "6"),
}

TITLES: dict[str, str] = {
    "train": "Train",
    "gates": "Gates",
    "generate": "Generate",
    "embeddings": "Embeddings",
    "analogies": "Analogies",
    "gradients": "Gradients",
}


def load_screen_class(name: str) -> tuple[type | None, str]:
    """Import the screen class of ``name``; ``(None, reason)`` where that is not possible."""
    module_path, class_name, _key = SCREENS[name]
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name == module_path:
            return None, f"{module_path} is not written yet."
        return None, f"{module_path} could not be imported: {exc}"
    except Exception as exc:  # noqa: BLE001 - a broken screen must not take the app down
        return None, f"{module_path} failed to import: {exc.__class__.__name__}: {exc}"
    cls = getattr(module, class_name, None)
    if cls is None:
        return None, f"{module_path} has no {class_name} yet."
    return cls, ""


def make_screen(name: str):
    """Build the screen for mode ``name`` (a placeholder if it cannot be loaded).

    Screens are built with no arguments; they read the command-line choices from
    ``self.app.options`` (keys ``checkpoint``, ``embeddings``, ``device``).
    """
    from explorer.screens.base import PlaceholderScreen

    cls, reason = load_screen_class(name)
    screen = PlaceholderScreen(name, reason) if cls is None else cls()
    screen.mode_name = name
    return screen
