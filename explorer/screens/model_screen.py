"""Base of the screens that look at one language model chosen in a ``#model`` selector (Gates, Generate).

The model loads in a worker (:func:`explorer.jobs.lm.load_model` through
:func:`explorer.runs.start_call`); its :class:`~explorer.jobs.lm.ModelLoaded` arrives as a message
of group ``"<GROUP>.load"`` and goes to the subclass's :meth:`ModelScreen.show_model`.
"""

from __future__ import annotations

from textual import on
from textual.widgets import Select, Static

from explorer.deferred import after_first_frame
from explorer.jobs import lm as lm_jobs
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import start_call
from explorer.screens.base import ExplorerScreen


class ModelScreen(ExplorerScreen):
    GROUP = ""
    """Prefix of this screen's worker groups, e.g. ``"gates"``."""
    MODEL_LABEL_ID = ""
    """Id of the Static that describes the loaded model."""

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.info: lm_jobs.ModelInfo | None = None
        self.loaded_choice: str | None = None
        self._offered_run: str | None = None

    def model_select(self, tooltip: str) -> Select:
        """The ``#model`` selector: the ``--checkpoint`` (if any) and the bundled models."""
        return Select(lm_jobs.model_choices(self.options.get("checkpoint")), id="model", allow_blank=False,
                      compact=True, tooltip=tooltip)

    def on_mount(self) -> None:
        choice = self.query_one("#model", Select).value
        self.loaded_choice = choice
        if not self.options.get("autoload", True):
            return  # shown, not loaded
        # Loading imports torch in a worker; started after the first frame, so that import does
        # not take the GIL from the screen's first paint (0.5-0.7 s otherwise, as the first screen).
        after_first_frame(self, lambda: self.load(choice))

    def on_screen_resume(self) -> None:
        self.offer_latest_run()

    def offer_latest_run(self) -> None:
        """Offer the Train screen's latest checkpoint in the ``#model`` selector (keeps the choice)."""
        latest = getattr(self.app, "latest_checkpoint", None)
        if not latest or self._offered_run == latest:
            return
        self._offered_run = latest
        select = self.query_one("#model", Select)
        value = select.value
        select.set_options(lm_jobs.model_choices(self.options.get("checkpoint"), latest))
        if value is not Select.NULL:
            select.value = value

    @on(Select.Changed, "#model")
    def _model_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.is_mounted and event.value != self.loaded_choice:
            self.load(event.value)

    def load(self, choice: str) -> None:
        """Load the model ``choice`` (a directory or ``bundled:NAME``) in a worker."""
        self.loaded_choice = choice
        self.before_load()
        self.query_one(f"#{self.MODEL_LABEL_ID}", Static).update("loading the model…")
        start_call(self, lambda: lm_jobs.load_model(choice), group=f"{self.GROUP}.load")

    def before_load(self) -> None:
        """Hook: reset what depends on the previous model."""

    @on(EngineEvent[lm_jobs.ModelLoaded])
    def _model_loaded(self, message: EngineEvent) -> None:
        self.show_model(message.event)

    def show_model(self, loaded: lm_jobs.ModelLoaded) -> None:
        """Hook: show the model just loaded (also called directly by tests and snapshots)."""
        self.model, self.info = loaded.model, loaded.info

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if message.group == f"{self.GROUP}.load" and message.error is not None:
            self.query_one(f"#{self.MODEL_LABEL_ID}", Static).update("[b red]no model loaded[/] — see the message")
