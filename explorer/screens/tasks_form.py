"""The Tasks screen's form: the task, the architecture, the embeddings, epochs and train size.

Widgets give typed values, nothing more (:meth:`TasksForm.values` → the
:class:`~engine.tasks.config.TaskConfig` fields it sets); the screen builds the config. The ids
(``#task``, ``#model``, …) are the config's field names, so a refusal's ``field`` finds its box.
"""

from __future__ import annotations

from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

TASKS = ("sentiment", "ner", "dates", "nplm")
CELLS = ("lstm", "gru", "rnn")
ARCHITECTURE = ("#model", "#cell", "#bidirectional", "#embeddings", "#freeze_embeddings")
"""The boxes that choose an architecture (the NPLM has one: they are disabled for it)."""


class TasksForm(VerticalScroll, can_focus=False):
    """The form column of the Tasks screen."""

    DEFAULT_CSS = """
    TasksForm { width: 24; height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    TasksForm Label { color: $text-muted; }
    TasksForm Select, TasksForm Input { width: 1fr; }
    TasksForm Checkbox { width: 1fr; }
    TasksForm #tasks-link { margin-top: 1; color: $text-muted; }
    """

    def compose(self):
        yield Label("task")
        yield Select([(t, t) for t in TASKS], value="sentiment", allow_blank=False, id="task", compact=True)
        yield Label("model · cell")
        yield Select([("RNN", "rnn"), ("average", "average")], value="rnn", allow_blank=False, id="model",
                     compact=True)
        yield Select([(c, c) for c in CELLS], value="lstm", allow_blank=False, id="cell", compact=True)
        yield Checkbox("bidirectional", False, id="bidirectional", compact=True)
        yield Label("embeddings")
        yield Select([("GloVe", "glove"), ("none", "none")], value="glove", allow_blank=False,
                     id="embeddings", compact=True)
        yield Checkbox("freeze E", False, id="freeze_embeddings", compact=True)
        yield Label("epochs · train size")
        with Horizontal(classes="pair"):
            yield Input("2", id="epochs", restrict=r"[0-9]*", compact=True)
            yield Input("", placeholder="all", id="train_size", restrict=r"[0-9]*", compact=True)
        yield Static("[@click=app.switch_mode('generate')]One-to-many: sampling a language model, "
                     "Generate (3)[/]", id="tasks-link")

    def values(self) -> dict[str, object]:
        """The TaskConfig fields the form sets, typed (whole numbers for the number boxes)."""
        from engine.errors import InputError

        values: dict[str, object] = {
            "task": self.query_one("#task", Select).value,
            "model": self.query_one("#model", Select).value,
            "cell": self.query_one("#cell", Select).value,
            "bidirectional": self.query_one("#bidirectional", Checkbox).value,
            "embeddings": self.query_one("#embeddings", Select).value,
            "freeze_embeddings": self.query_one("#freeze_embeddings", Checkbox).value,
        }
        if values["task"] != "sentiment":
            values["model"] = "rnn"
        if values["task"] == "dates":
            values["embeddings"] = "none"
        for key in ("epochs", "train_size"):
            text = self.query_one(f"#{key}", Input).value.strip()
            if not text:
                values[key] = None
                continue
            try:
                values[key] = int(text)
            except ValueError:
                raise InputError(f"{key} must be a whole number, got {text!r}", field=key) from None
        return values

    def show_task(self, task: str) -> None:
        for box in ARCHITECTURE:
            self.query_one(box).disabled = task == "nplm"

    def sync(self, cfg) -> None:
        """Set the architecture boxes to a model's config, so the diagram is the model that answers."""
        self.query_one("#cell", Select).value = cfg.cell if cfg.cell in CELLS else "lstm"
        self.query_one("#bidirectional", Checkbox).value = cfg.bidirectional
        if cfg.task != "dates":
            self.query_one("#embeddings", Select).value = "none" if cfg.embeddings == "none" else "glove"
