"""The Tasks screen's jobs: load the bundled task models, train one live, predict a sentence.

Factories and calls for :func:`explorer.runs.start_run` / :func:`~explorer.runs.start_call`; torch and
the engine's task models are imported inside them, in the worker. The screen builds the
:class:`~engine.tasks.config.TaskConfig` on the UI thread (its ``__post_init__`` is the only
validation); the results come back as the small frozen dataclasses below.

Bundled models (``assets/tasks/models``, see ``assets/README.md``): a sentiment LSTM and an
averaging model, a bidirectional NER tagger, a dates encoder-decoder with attention.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

BUNDLED_TASK_MODELS: dict[str, str] = {
    "sentiment.rnn": "sentiment-lstm",
    "sentiment.average": "sentiment-average",
    "ner.rnn": "ner-bilstm",
    "dates.rnn": "dates-attention",
}
"""Slot of the screen (``task.model``) → directory under ``assets/tasks/models``."""


def bundled_path(name: str):
    from engine.assets import asset_path

    return asset_path("tasks", "models", name)


@dataclass(frozen=True)
class TaskModelsLoaded:
    """The models a load put in the screen's slots: ``slot`` → (TaskModel, where it came from)."""

    models: dict[str, tuple[Any, str]]
    missing: tuple[str, ...] = ()
    """Slots whose bundled checkpoint was not found (a trimmed install)."""


@dataclass(frozen=True)
class TaskTrained:
    """The model a run trained (the kept weights), for the screen's slot ``slot``."""

    slot: str
    model: Any
    reason: str = "completed"


@dataclass(frozen=True)
class TaskPredicted:
    """One sentence through the shown model(s); ``error`` is a one-line refusal (empty text, unknown words)."""

    task: str
    text: str
    prediction: Any = None
    """sentiment: SentimentPrediction; ner: TagPrediction; dates: Translation."""
    prefix: Any = None
    """sentiment: the shown model's PrefixReading (P(positive) after each word)."""
    other: Any = None
    """sentiment: the other model's SentimentPrediction (averaging beside the RNN, or the reverse)."""
    other_prefix: Any = None
    directions: Any = None
    """bidirectional: DirectionParts — ner: W_→ →a⟨t⟩ + W_← ←a⟨t⟩ + b per token; sentiment: W_→ →a⟨T_x⟩ + W_← ←a⟨1⟩ + b."""
    teddy: Any = None
    """ner: the TeddyReport of the course's two sentences (when asked)."""
    error: str = ""
    names: tuple[str, ...] = field(default_factory=tuple)
    """Descriptions of the models used (shown, other)."""


@dataclass(frozen=True)
class TaskSaved:
    """A shown model written as a task checkpoint folder; ``error`` a one-line refusal."""

    path: str
    error: str = ""
    exists: bool = False
    """The folder was there already (and ``overwrite`` was not asked): nothing was written."""


def save(model, path: str, *, overwrite: bool = False):
    """A call writing ``model`` to ``path`` with :meth:`engine.tasks.base.TaskModel.save` — the writer of
    ``task train --out`` (atomic; ``task predict|eval DIR`` read it). An existing folder is refused unless
    ``overwrite``."""

    def call() -> TaskSaved:
        from pathlib import Path

        from engine.errors import InputError

        target = Path(path).expanduser()
        if target.exists() and not overwrite and (not target.is_dir() or any(target.iterdir())):
            return TaskSaved(str(target), error=f"{target} already exists", exists=True)
        try:
            model.save(target)
        except InputError as exc:  # CheckpointWriteError: a full disk, no permission
            return TaskSaved(str(target), error=" ".join(str(exc).split()))
        return TaskSaved(str(target))

    return call


def save_name(model) -> str:
    """The folder name's stem for a task model: "task-sentiment-lstm-bi", "task-sentiment-average"."""
    cfg = model.config
    what = "average" if cfg.model == "average" else cfg.cell + ("-bi" if cfg.bidirectional else "")
    return f"task-{cfg.task}-{what}"


def short_name(task) -> str:
    """A task model in a few words: "LSTM →←", "averaging", "GRU →"."""
    cfg = task.config
    if cfg.model == "average":
        return "averaging"
    arrows = "→←" if cfg.bidirectional else "→"
    return f"{cfg.cell.upper()} {arrows}" + (" + attention" if cfg.task == "dates" and cfg.attention else "")


def load_bundled(slots: tuple[str, ...] = tuple(BUNDLED_TASK_MODELS)):
    """A call loading the bundled checkpoints of ``slots`` (CPU: they are small)."""

    def call() -> TaskModelsLoaded:
        from engine.tasks.io import load_task

        models: dict[str, tuple[Any, str]] = {}
        missing: list[str] = []
        for slot in slots:
            path = bundled_path(BUNDLED_TASK_MODELS[slot])
            if not path.is_dir():
                missing.append(slot)
                continue
            models[slot] = (load_task(path, task=slot.split(".")[0]), f"bundled:{BUNDLED_TASK_MODELS[slot]}")
        return TaskModelsLoaded(models, tuple(missing))

    return call


def train(config, slot: str):
    """Train ``config`` (a TaskConfig) in the worker; the events, then :class:`TaskTrained` with the model."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.tasks.events import TaskFinished
        from engine.tasks.training import build_task, train_task

        task = build_task(config)
        finished = None
        for event in train_task(config, stop, task=task):
            if isinstance(event, TaskFinished):
                finished = event
            yield event
        if finished is not None and finished.step > 0 and finished.reason != "diverged":
            task.to("cpu")
            task.model.eval()
            yield TaskTrained(slot, task, finished.reason)

    return factory


def predict(task_name: str, shown, other=None, *, teddy: bool = False):
    """A call predicting one text with the shown model (and, for sentiment, the other one)."""
    from engine.errors import InputError

    def call_for(text: str):
        def call() -> TaskPredicted:
            names = tuple(short_name(m) for m in (shown, other) if m is not None)
            try:
                if task_name == "sentiment":
                    pred, prefix = shown.predict(text), shown.prefix_probabilities(text)
                    o = op = None
                    if other is not None:
                        o, op = other.predict(text), other.prefix_probabilities(text)
                    bi = shown.config.model == "rnn" and shown.config.bidirectional
                    parts = shown.by_direction(text) if bi else None
                    return TaskPredicted(task_name, text, pred, prefix, o, op, directions=parts, names=names)
                if task_name == "ner":
                    pred = shown.predict(text)
                    parts = shown.by_direction(text) if shown.config.bidirectional else None
                    report = shown.teddy() if teddy else None
                    return TaskPredicted(task_name, text, pred, directions=parts, teddy=report, names=names)
                return TaskPredicted(task_name, text, shown.translate(text, beam_width=3), names=names)
            except InputError as exc:
                return TaskPredicted(task_name, text, error=" ".join(str(exc).split()), names=names)

        return call

    return call_for
