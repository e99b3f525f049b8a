"""Base of the screens that look at one language model chosen in a ``#model`` selector (Gates, Generate).

The model loads in a worker (:func:`explorer.runs.start_call`); its result arrives as an
``EngineEvent`` named ``"model"`` in the group ``"<GROUP>.load"``, which the subclass handles.
"""

from __future__ import annotations

from textual.widgets import Select, Static

from explorer.deferred import after_first_frame
from explorer.runs import start_call
from explorer.screens.base import ExplorerScreen
from explorer.screens.lm_support import load_model, refresh_model_choices


class ModelScreen(ExplorerScreen):
    GROUP = ""
    """Prefix of this screen's worker groups, e.g. ``"gates"``."""
    MODEL_LABEL_ID = ""
    """Id of the Static that describes the loaded model."""

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.info = None
        self.loaded_choice: str | None = None

    def on_mount(self) -> None:
        choice = self.query_one("#model", Select).value
        self.loaded_choice = choice
        if not self.options.get("autoload", True):
            return  # shown, not loaded
        # Loading imports torch in a worker; started after the first frame, so that import does
        # not take the GIL from the screen's first paint (0.5-0.7 s otherwise, as the first screen).
        after_first_frame(self, lambda: self.load(choice))

    def on_screen_resume(self) -> None:
        refresh_model_choices(self)

    def load(self, choice: str) -> None:
        """Load the model ``choice`` (a directory or ``bundled:NAME``) in a worker."""
        self.loaded_choice = choice
        self.before_load()
        self.query_one(f"#{self.MODEL_LABEL_ID}", Static).update("loading the model…")
        start_call(self, lambda: load_model(choice), group=f"{self.GROUP}.load", name="model")

    def before_load(self) -> None:
        """Hook: reset what depends on the previous model."""
