"""Base of the screens that look at one language model chosen in a ``#model`` selector (Gates, Generate).

The model loads in a worker (:func:`explorer.jobs.lm.load_model` through
:func:`explorer.runs.start_call`); its :class:`~explorer.jobs.lm.ModelLoaded` arrives as a message
of group ``"<GROUP>.load"`` and goes to the subclass's :meth:`ModelScreen.show_model`.

A subclass that sets ``FOLLOWS_CURRENT_MODEL = True`` shows the app's current model
(``App.current_model``, :mod:`explorer.model_choice`): it opens on it, loads the run the Train screen
just finished or saved when it is next shown (on screen, it says so and keeps what it shows), and a choice in its
``#model`` box becomes the app's current model (so every following screen shows it too).
Otherwise the box starts on ``--checkpoint`` or the first bundled model (Gates and Generate both follow).
"""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.widgets import Select, Static

from explorer import model_choice
from explorer.deferred import after_first_frame
from explorer.jobs import lm as lm_jobs
from explorer.messages import EngineEvent, RunFinished
from explorer.model_choice import ModelChoice
from explorer.runs import start_call
from explorer.screens.base import ExplorerScreen


def model_words(choice, info: lm_jobs.ModelInfo) -> str:
    """Which model is shown, in words (markup), short enough for 80 columns beside the model box
    (which names the run): ``your run, best val. loss · char lstm 1×50 · dinos``."""
    if choice is not None and choice.is_bundled:
        return escape(info.short)
    who = {"trained": "your run", "watched": "the watched run", "checkpoint": "checkpoint"}.get(
        choice.origin if choice is not None else "", "checkpoint")
    if info.best:
        kept = ", best val. loss"  # the folder's best/ (lowest validation loss)
    elif choice is not None and choice.step is not None:
        kept = f", step {choice.step:,}"
    else:
        kept = ""
    return f"[b]{who}{kept}[/] · {escape(info.short)}"


class ModelScreen(ExplorerScreen):
    GROUP = ""
    """Prefix of this screen's worker groups, e.g. ``"gates"``."""
    MODEL_LABEL_ID = ""
    """Id of the Static that describes the loaded model."""
    FOLLOWS_CURRENT_MODEL: ClassVar[bool] = False
    """Show ``App.current_model`` and set it from the ``#model`` box (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.info: lm_jobs.ModelInfo | None = None
        self.loaded_choice: str | None = None
        self._pending: ModelChoice | None = None
        """A current model that changed while this screen was not shown (loaded when it is)."""
        self._choices: dict[str, ModelChoice] = {}

    # -- the model box ------------------------------------------------------------------
    def _current(self) -> ModelChoice | None:
        return getattr(self.app, "current_model", None) if self.FOLLOWS_CURRENT_MODEL else None

    def _following_options(self, current: ModelChoice | None) -> list[tuple[str, str]]:
        choices = model_choice.choices(self.options.get("checkpoint"), current)
        self._choices = {c.path: c for c in choices}
        return [(c.label, c.path) for c in choices]

    def model_select(self, tooltip: str) -> Select:
        """The ``#model`` selector: the ``--checkpoint`` (if any), the current run, the bundled models."""
        current = self._current()
        if current is None:  # a screen that does not follow the current model: the --checkpoint or the first bundled
            options = self._following_options(None)
            return Select(options, value=options[0][1], id="model", allow_blank=False, compact=True, tooltip=tooltip)
        return Select(self._following_options(current), value=current.path, id="model", allow_blank=False,
                      compact=True, tooltip=tooltip)

    def on_mount(self) -> None:
        choice = self.query_one("#model", Select).value
        self.loaded_choice = choice
        if self.FOLLOWS_CURRENT_MODEL and hasattr(self.app, "current_model"):
            self.watch(self.app, "current_model", self._current_model_changed, init=False)
        if not self.options.get("autoload", True):
            return  # shown, not loaded
        # Loading imports torch in a worker; started after the first frame, so that import does
        # not take the GIL from the screen's first paint (0.5-0.7 s otherwise, as the first screen).
        after_first_frame(self, lambda: self.load(choice))

    def on_screen_resume(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.show_choice(pending)

    def _current_model_changed(self, current: ModelChoice | None) -> None:
        if current is None:
            return
        # Loaded when the screen is next shown, not on every save: a model that changed under the
        # reader's eyes (mid-step, mid-unit) would lose what they were looking at.
        self._pending = current
        if self.app.screen is self:
            select = self.query_one("#model", Select)
            with select.prevent(Select.Changed):
                select.set_options(self._following_options(self._choices.get(self.loaded_choice or "") or current))
                if self.loaded_choice in self._choices:
                    select.value = self.loaded_choice
            step = f" at step {current.step:,}" if current.step is not None else ""
            self.status(f"{current.description} saved{step}: shown when you come back to this screen, "
                        "or now from the model box (m)")

    def show_choice(self, choice: ModelChoice) -> None:
        """Put ``choice`` in the ``#model`` box and load it (if it is not the model loaded)."""
        select = self.query_one("#model", Select)
        select.set_options(self._following_options(choice))
        select.value = choice.path
        if self.options.get("autoload", True) and (choice.path != self.loaded_choice or choice.step is not None):
            self.load(choice.path)

    @property
    def choice(self) -> ModelChoice | None:
        """What the ``#model`` box shows, as a :class:`ModelChoice` (following screens)."""
        return self._choices.get(self.loaded_choice or "")

    @on(Select.Changed, "#model")
    def _model_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if not self.is_mounted or event.value is Select.NULL:
            return
        if event.value != event.select.value:
            # Stale: show_choice's set_options passed through its first option (the --checkpoint) on
            # its way to the current model; acting on it would make that the current model again.
            return
        chosen = self._choices.get(str(event.value))
        self._pending = None  # the reader chose: nothing is waiting any more
        if chosen is not None and self._current() != chosen:
            self.app.current_model = chosen  # every following screen shows it
        if event.value != self.loaded_choice:
            self.load(event.value)

    def load(self, choice: str) -> None:
        """Load the model ``choice`` (a directory or ``bundled:NAME``) in a worker."""
        self.loaded_choice = choice
        self.before_load()
        self.query_one(f"#{self.MODEL_LABEL_ID}", Static).update("loading the model…")
        start_call(self, lambda: self.load_job(choice), group=f"{self.GROUP}.load")

    def load_job(self, choice: str) -> lm_jobs.ModelLoaded:
        """Hook, run in the worker: load ``choice`` (a language model; Gates also takes a task's)."""
        return lm_jobs.load_model(choice)

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
