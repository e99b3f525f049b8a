"""The app's screens, one module each, loaded lazily.

``SCREENS`` maps a screen name to ``(module path, class name, key)``. The App adds one mode per
entry and binds ``key`` to it; the module is imported only when the screen is first shown.

To plug a screen in: write ``explorer/screens/<name>.py`` with an
:class:`explorer.screens.base.ExplorerScreen` subclass (the tab bar, the status line and the
footer come with it) and add its entry here.
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
    "tasks": ("explorer.screens.tasks", "TasksScreen", "7"),
}

TITLES: dict[str, str] = {
    "train": "Train",
    "gates": "Gates",
    "generate": "Generate",
    "embeddings": "Embeddings",
    "analogies": "Analogies",
    "gradients": "Gradients",
    "tasks": "Tasks",
}


def make_screen(name: str):
    """Build the screen for mode ``name``.

    Screens are built with no arguments; they read the command-line choices from
    ``self.app.options`` (keys ``checkpoint``, ``embeddings``, ``device``).
    """
    module_path, class_name, _key = SCREENS[name]
    screen = getattr(importlib.import_module(module_path), class_name)()
    screen.mode_name = name
    return screen
