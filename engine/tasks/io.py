"""Loading task checkpoints (written by :meth:`engine.tasks.base.TaskModel.save`).

Public API::

    load_task(path, task=None, device="cpu") -> TaskModel     # SentimentTask | NERTask | DatesTask
    checkpoint_task(path) -> str                              # "sentiment" | "ner" | "dates", from config.json

A task checkpoint is an ordinary checkpoint directory (:mod:`engine.checkpoint`) whose
``model_kind`` is ``task.sentiment``, ``task.ner`` or ``task.dates``. ``load_task`` reads the
kind first and builds the matching model; with ``task`` given, a checkpoint of another task (or
a language model) is refused with one line naming both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from engine.checkpoint import CONFIG_FILE, read_checkpoint
from engine.errors import CheckpointError, InputError
from engine.tasks.base import TaskModel
from engine.tasks.config import MODEL_KINDS, TASKS


def checkpoint_task(path: str | os.PathLike) -> str:
    """The task a checkpoint directory holds; a one-line :class:`CheckpointError` when it is not one."""
    path = Path(path).expanduser()
    try:
        kind = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8")).get("model_kind")
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        read_checkpoint(path, model_kind=MODEL_KINDS["sentiment"])  # raises the checkpoint's own one-line error
        raise CheckpointError(f"{path} is not a task checkpoint") from None  # pragma: no cover - read_checkpoint raised
    for task, model_kind in MODEL_KINDS.items():
        if kind == model_kind:
            return task
    raise CheckpointError(
        f"checkpoint {path} holds a {kind!r} model, not a task model ({', '.join(MODEL_KINDS.values())}); "
        "give a directory written by 'seq-explorer task train'"
    )


def load_task(path: str | os.PathLike, task: str | None = None, device: str | torch.device = "cpu") -> TaskModel:
    """Load a task checkpoint on ``device`` (eval mode). ``task``: insist on that task."""
    if task is not None and task not in TASKS:
        raise InputError(f"task must be one of {', '.join(TASKS)}, got {task!r}", field="task")
    name = task or checkpoint_task(path)
    data = read_checkpoint(path, model_kind=MODEL_KINDS[name])
    from engine.tasks.training import task_class

    loaded = task_class(name).from_checkpoint(data)
    loaded.to(device)
    return loaded
