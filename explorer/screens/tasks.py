"""Tasks: the course's architecture types on real data — sentiment, named entities, dates.

- The form (left) picks the task and the architecture: averaging or a recurrent cell, one or two
  directions, GloVe or random embeddings, frozen or fine-tuned; the diagram above the text box is
  :func:`engine.tasks.architecture.architecture` of that choice (many-to-one, many-to-many,
  encoder-decoder), one column per time step.
- ``t`` trains the form's architecture live in a worker (:mod:`explorer.jobs.tasks`): loss and the
  task's metric per epoch on two charts; Escape stops it (the best weights so far are kept). The
  trained model then replaces the one shown.
- The text box (``/``): type a sentence, Enter. Sentiment: the label and P(positive) after each word,
  the RNN beside the averaging model; NER: the tokens coloured by entity, tag and probability, and
  for a BiLSTM what →a and ←a each add to the tag's logit; dates: the output, the beam's candidates
  and the attention weights α⟨t,t'⟩. ``y``: the course's "Teddy Roosevelt" vs "Teddy bears". A
  bidirectional sentiment RNN also shows what →a⟨T_x⟩ and ←a⟨1⟩ each add to the two logits.
- The fourth choice, ``nplm``: the neural language model that learns embeddings — the top next words
  of a typed context and the neighbours in E (:mod:`explorer.screens.tasks_nplm`, its own panel).
- ``w`` saves the shown model trained here as a checkpoint folder under the runs folder (the writer of
  ``task train --out``; ``task predict DIR`` reads it); an existing folder is kept unless w is pressed
  again.

The bundled models (``assets/tasks/models``) are loaded when the screen opens, so it predicts before
anything is trained. The screen builds the engine's :class:`~engine.tasks.config.TaskConfig`; a
refusal is one line above the result, in the form's words (:mod:`explorer.fields`).
"""

from __future__ import annotations

import time
from typing import Iterable

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Checkbox, ContentSwitcher, Input, Select, Static

from engine.events import Started, Step
from engine.tasks.architecture import architecture
from engine.tasks.events import TaskEvaluated, TaskFinished
from explorer.fields import in_own_words
from explorer.jobs import tasks as jobs
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import RunHandle, start_call, start_run
from explorer.screens.base import ExplorerScreen
from explorer.screens.tasks_form import TasksForm
from explorer.screens.tasks_nplm import EXAMPLES as NPLM_EXAMPLES, NPLMPanel
from explorer.screens.tasks_text import diagram, result_view
from explorer.widgets.line_chart import LineChart, Series

EXAMPLES: dict[str, tuple[str, ...]] = {
    "sentiment": ("a wonderful , moving film", "not good", "completely lacking in good taste",
                  "the plot is thin but the acting is superb"),
    "ner": ("He said , Teddy Roosevelt was a great President", "I 'm flying to Paris with Emma on Friday",
            "Just bought a new iPhone from Apple in London"),
    "dates": ("Wednesday, March 25, 2026", "25th of March 2026", "3/25/26", "1 jan 1999"),
    "nplm": NPLM_EXAMPLES,
}
LABELS: dict[str, str] = {"task": "task", "model": "model", "cell": "cell", "bidirectional": "bidirectional",
                          "embeddings": "embeddings", "freeze_embeddings": "freeze E", "epochs": "epochs",
                          "train_size": "train size", "hidden": "hidden", "max_words": "train size"}
"""TaskConfig (and the NPLM's NPLMConfig) field → its name on the form."""

GROUP_LOAD, GROUP_TRAIN, GROUP_PREDICT, GROUP_SAVE = "tasks.load", "tasks.train", "tasks.predict", "tasks.save"


class TasksScreen(ExplorerScreen):
    """Pick a task and an architecture, train it live, then read a sentence with it."""

    mode_name = "tasks"
    AUTO_FOCUS = ""
    HELP = ("Sentiment is many-to-one, NER many-to-many (a tag per word), dates an encoder-decoder with "
            "attention. Bars: P(positive) after each word. NER: W→·→a and W←·←a are what each direction adds "
            "to the tag's logit.")
    DEFAULT_CSS = """
    TasksScreen #tasks-main { width: 1fr; height: 1fr; }
    TasksScreen #tasks-diagram { height: auto; max-height: 14; padding: 0 1; }
    TasksScreen #tasks-text { margin: 0 1; width: 1fr; }
    TasksScreen #tasks-message { height: auto; padding: 0 1; }
    TasksScreen #tasks-views { height: 1fr; }
    TasksScreen #tasks-result { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    TasksScreen #tasks-charts { height: 1fr; }
    """
    BINDINGS = [
        Binding("t", "train", "Train", id="tasks.train", tooltip="Train the form's task and architecture (live)"),
        Binding("escape", "stop", "Stop", id="tasks.stop", tooltip="Stop training (the best weights so far are kept)"),
        Binding("slash", "type", "Type", id="tasks.type", tooltip="Type a sentence (Enter: the prediction)"),
        Binding("n", "example", "Example", id="tasks.example", tooltip="The next example sentence of the task"),
        Binding("y", "teddy", "Teddy", id="tasks.teddy",
                tooltip="NER: Teddy Roosevelt vs Teddy bears (a forward-only tagger cannot see what follows)"),
        Binding("e", "neighbours", "Neighbours", id="tasks.neighbours",
                tooltip="NPLM: the neighbours in E of the next word of the context"),
        Binding("c", "charts", "Charts", id="tasks.charts", tooltip="Switch between the prediction and the charts"),
        Binding("w", "save", "Save", id="tasks.save",
                tooltip="Save the model you trained here (a folder 'task predict DIR' / 'nplm predict DIR' reads)"),
    ]

    training: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[str, tuple[object, str]] = {}
        """slot ("sentiment.rnn", "sentiment.average", "ner.rnn", "dates.rnn") → (TaskModel, origin)."""
        self.handles: dict[str, RunHandle] = {}
        self.example_index = 0
        self.last_result = None
        self.total_steps = 0
        self.train_slot = ""
        self.current_task = "sentiment"
        """The task the form shows (kept here: key checks run before the form exists)."""
        self.overwrite = ""
        """The folder a save refused because it existed: a second w overwrites it."""

    # ------------------------------------------------------------------ layout
    def compose_body(self) -> Iterable[Widget]:
        with Horizontal():
            yield TasksForm(id="tasks-form")
            with Vertical(id="tasks-main"):
                yield Static("", id="tasks-diagram")
                yield Input(placeholder="/: type a sentence, Enter: the prediction", id="tasks-text", compact=True)
                yield Static("", id="tasks-message")
                with ContentSwitcher(initial="tasks-result", id="tasks-views"):
                    with VerticalScroll(id="tasks-result"):
                        yield Static("loading the bundled models…", id="tasks-result-text")
                    with Horizontal(id="tasks-charts"):
                        yield LineChart(Series("train", "bold cyan"), Series("val", "bold yellow", markers=True),
                                        id="tasks-loss", empty_text="t: train; the loss per step")
                        yield LineChart(Series("val", "bold green", markers=True), id="tasks-metric",
                                        empty_text="the task's metric after each epoch")
                    yield NPLMPanel(id="tasks-nplm")

    def on_mount(self) -> None:
        self.query_one("#tasks-form").styles.height = "1fr"
        self.show_diagram()
        if self.options.get("autoload", True):
            self.handles[GROUP_LOAD] = start_call(self, jobs.load_bundled(), group=GROUP_LOAD)

    def on_resize(self, event) -> None:
        self.show_diagram()

    # ------------------------------------------------------------------ the form
    def form(self) -> dict[str, object]:
        """The TaskConfig fields the form sets, typed (:meth:`TasksForm.values`)."""
        return self.query_one(TasksForm).values()

    def build_config(self):
        """The engine's frozen config of the form (``task_overrides`` from the app's options on top)."""
        from engine.tasks.config import TaskConfig

        settings = {**self.form(), "device": self.options.get("device", "auto"),
                    **self.options.get("task_overrides", {})}
        return TaskConfig(**settings)

    @property
    def task_name(self) -> str:
        return self.current_task

    def shown_slot(self) -> str:
        task = self.task_name
        if task == "sentiment":
            return f"sentiment.{self.query_one('#model', Select).value}"
        return f"{task}.rnn"

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _form_changed(self, message) -> None:
        if getattr(message, "select", None) is not None and message.select.id == "task":
            self.current_task = str(message.value)
            self.refresh_bindings()
            self.query_one(TasksForm).show_task(self.current_task)
            if self.current_task == "nplm":
                self.nplm.ensure_loaded()
            self._sync_form()
            self.example_index = 0
            self.query_one("#tasks-text", Input).value = ""
            self.message("")
            self._show_result(None)
        self.show_diagram()

    def _sync_form(self) -> None:
        """Set the architecture boxes to the shown model's, so the diagram is the model that answers."""
        shown = self.models.get(self.shown_slot())
        if shown is None:
            return
        self.query_one(TasksForm).sync(shown[0].config)

    @property
    def nplm(self) -> NPLMPanel:
        return self.query_one(NPLMPanel)

    def show_diagram(self) -> None:
        if self.task_name == "nplm":
            width = self.query_one("#tasks-diagram").size.width or self.app.size.width - 26
            self.query_one("#tasks-diagram", Static).update(self.nplm.diagram(width=width - 2))
            return
        try:
            values = self.form()
        except Exception:  # noqa: BLE001 - a number box being typed in: the diagram needs no numbers
            return
        arch = architecture(values["task"], model=values["model"], bidirectional=values["bidirectional"],
                            attention=True, steps=3 if values["task"] == "dates" else 4, output_steps=3)
        text = diagram(arch, note=self.app.size.height >= 30)
        self.query_one("#tasks-diagram", Static).update(text)

    def message(self, text: str, style: str = "bold red") -> None:
        self.query_one("#tasks-message", Static).update(Text(text, style=style) if text else "")

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.training else None
        if action == "train":
            return True if not self.training else None
        if action == "teddy":
            return True if self.task_name == "ner" else None
        if action in ("neighbours", "charts"):  # the NPLM's own key; it has no charts: hidden where they don't apply
            return (self.task_name == "nplm") == (action == "neighbours")
        if action == "save":
            trained = self.nplm.trained if self.task_name == "nplm" else self._shown_origin() == "trained"
            return True if trained and not self.training else None
        return True

    def _shown_origin(self) -> str:
        try:
            return self.models.get(self.shown_slot(), (None, ""))[1]
        except Exception:  # noqa: BLE001 - keys are checked before the form exists
            return ""

    def action_train(self) -> None:
        from engine.errors import InputError

        try:
            config = self.nplm.config(self.form(), self.options) if self.task_name == "nplm" else self.build_config()
        except InputError as error:
            self.message(in_own_words(error, LABELS))
            return
        self.message("")
        if self.task_name == "nplm":
            self.training = True
            self.status("reading the corpus and building the NPLM…")
            self.nplm.train(config)
            return
        self.train_slot = f"{config.task}.{config.model}"
        for chart in self.query(LineChart):
            chart.clear()
        self.query_one("#tasks-views", ContentSwitcher).current = "tasks-charts"
        self.training = True
        self.status(f"reading the {config.task} data and building the model…")
        self.handles[GROUP_TRAIN] = start_run(self, jobs.train(config, self.train_slot), group=GROUP_TRAIN)

    def action_stop(self) -> None:
        self.nplm.stop()
        handle = self.handles.get(GROUP_TRAIN)
        if handle is not None and handle.running:
            handle.stop()
            self.status("stopping… the best weights so far are kept")

    def action_type(self) -> None:
        self.query_one("#tasks-text", Input).focus()

    def action_example(self) -> None:
        examples = EXAMPLES[self.task_name]
        text = examples[self.example_index % len(examples)]
        self.example_index += 1
        box = self.query_one("#tasks-text", Input)
        box.value = text
        self.predict(text)

    def action_teddy(self) -> None:
        self.query_one("#tasks-text", Input).value = EXAMPLES["ner"][0]
        self.predict(EXAMPLES["ner"][0], teddy=True)

    def action_neighbours(self) -> None:
        self.nplm.next_word()

    def action_save(self) -> None:
        from explorer.jobs.train import runs_dir

        nplm = self.task_name == "nplm"
        model = None if nplm else self.models[self.shown_slot()][0]
        stem = "nplm" if nplm else jobs.save_name(model)
        path = str(runs_dir(self.options) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}")
        again, self.overwrite = path == self.overwrite, ""
        if nplm:
            self.nplm.save(path, overwrite=again)
        else:
            self.handles[GROUP_SAVE] = start_call(self, jobs.save(model, path, overwrite=again), group=GROUP_SAVE)

    def saved(self, event, command: str) -> None:
        """A save's outcome (either kind of model): the folder and the command that reads it, or why not."""
        if event.exists:
            self.overwrite = event.path
            self.message(f"{event.path} already exists: press w again to overwrite it")
        elif event.error:
            self.message(f"not saved: {event.error}")
        else:
            self.message(f"saved to {event.path} · try: {command}", style="bold")

    @on(EngineEvent[jobs.TaskSaved])
    def _task_saved(self, message: EngineEvent) -> None:
        self.saved(message.event, f'seq-explorer task predict {message.event.path} "…"')

    def action_charts(self) -> None:
        switcher = self.query_one("#tasks-views", ContentSwitcher)
        switcher.current = "tasks-result" if switcher.current == "tasks-charts" else "tasks-charts"

    @on(Input.Submitted, "#tasks-text")
    def _text_entered(self, message: Input.Submitted) -> None:
        message.stop()
        self.predict(message.value)

    @on(Input.Submitted, "#epochs, #train_size")
    def _number_entered(self, message: Input.Submitted) -> None:
        message.stop()
        self.action_train()

    def predict(self, text: str, *, teddy: bool = False) -> None:
        """Read ``text`` with the shown model (a one-line message when there is none or the text is refused)."""
        task = self.task_name
        if task == "nplm":
            self.nplm.predict(text)
            return
        shown = self.models.get(self.shown_slot())
        if shown is None:
            self.message(f"no {task} model yet: press t to train one (the bundled ones are still loading or missing)")
            return
        other = None
        if task == "sentiment":
            other_slot = "sentiment.average" if self.shown_slot() == "sentiment.rnn" else "sentiment.rnn"
            other = self.models.get(other_slot, (None, ""))[0]
        call = jobs.predict(task, shown[0], other, teddy=teddy)(text)
        self.handles[GROUP_PREDICT] = start_call(self, call, group=GROUP_PREDICT)

    # ------------------------------------------------------------------ events
    @on(EngineEvent[jobs.TaskModelsLoaded])
    def _loaded(self, message: EngineEvent) -> None:
        event = message.event
        self.models.update(event.models)
        self._sync_form()
        missing = f" (missing: {', '.join(event.missing)})" if event.missing else ""
        self.status(f"bundled task models loaded{missing} · type a sentence (/) or n for an example")
        if self.last_result is None:
            self._show_result(None)

    @on(EngineEvent[jobs.TaskPredicted])
    def _predicted(self, message: EngineEvent) -> None:
        result = message.event
        if result.task != self.task_name:
            return
        if result.error:
            self.message(result.error)
            return
        self.message("")
        self.last_result = result
        self._show_result(result)

    @on(EngineEvent[Started])
    def _started(self, message: EngineEvent) -> None:
        self.total_steps = message.event.total_steps
        self.status(f"training on {message.event.device}: {message.event.description} · Esc stops")

    @on(EngineEvent[Step])
    def _step(self, message: EngineEvent) -> None:
        events = message.drain()
        if not events:
            return
        chart = self.query_one("#tasks-loss", LineChart)
        for event in events:
            chart.add("train", event.step, event.smoothed_loss)
        last = events[-1]
        self.status(f"step {last.step:,}/{self.total_steps:,} · loss {last.smoothed_loss:.3f} · Esc stops")

    @on(EngineEvent[TaskEvaluated])
    def _evaluated(self, message: EngineEvent) -> None:
        e = message.event
        self.query_one("#tasks-loss", LineChart).add("val", e.step, e.val_loss)
        self.query_one("#tasks-metric", LineChart).add("val", e.step, e.value)
        self.message(f"epoch {e.epoch}: validation {e.metric} {e.value:.3f}, loss {e.val_loss:.3f}"
                     + (" (best)" if e.best else ""), style="")

    @on(EngineEvent[TaskFinished])
    def _finished(self, message: EngineEvent) -> None:
        e = message.event
        test = f"test {e.metric} {e.test_value:.3f}" if e.test_value is not None else "no test score (stopped)"
        self.message(f"training {e.reason} after {e.step:,} steps · {test}", style="bold")

    @on(EngineEvent[jobs.TaskTrained])
    def _trained(self, message: EngineEvent) -> None:
        event = message.event
        self.models[event.slot] = (event.model, "trained")
        self.status(f"your trained {event.slot.replace('.', ' ')} model is the one shown · type a sentence (/)")
        self._show_result(None)

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if message.group == GROUP_TRAIN:
            self.training = False

    # ------------------------------------------------------------------ drawing
    def _show_result(self, result) -> None:
        target = self.query_one("#tasks-result-text", Static)
        if self.task_name == "nplm":
            self.query_one("#tasks-views", ContentSwitcher).current = "tasks-nplm"
            if self.nplm.last is None:
                self.nplm.show(None)
            return
        self.query_one("#tasks-views", ContentSwitcher).current = "tasks-result"
        if result is None:
            shown = self.models.get(self.shown_slot())
            what = f"shown: {jobs.short_name(shown[0])}, {shown[1]} · {shown[0].describe()}" if shown else "no model of this task yet (t trains one)"
            target.update(Text(what + "\n/ type a sentence · n an example" +
                               (" · y Teddy Roosevelt vs Teddy bears" if self.task_name == "ner" else ""), style="dim"))
            return
        target.update(result_view(result, width=max(20, self.query_one("#tasks-result").size.width - 2)))
