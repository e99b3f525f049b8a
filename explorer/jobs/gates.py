"""The Gates screen's job: load a model whose recurrent layers it can trace, and trace it.

Gates looks inside any recurrent model with a trace (:class:`engine.recurrent.trace.Trace`): a
language model (``engine.lm``) or the recurrent encoder of a sequence task (``seq-explorer task
train …``, ``engine.tasks``) — the task checkpoints are where bidirectional layers live (a
language model reads forward only). Both load to an :class:`explorer.jobs.lm.ModelLoaded` and
trace to an :class:`explorer.jobs.lm.TraceRecorded`, so the screen handles them alike. Each
function runs in a thread worker; the engine is imported when one is called.
"""

from __future__ import annotations

from typing import Any

from explorer.jobs import lm as lm_jobs
from explorer.jobs.lm import BUNDLED_PREFIX, ModelLoaded, TraceRecorded

TASK_TEXTS = {"ner": "He said , Teddy Roosevelt was a great President", "sentiment": "not good , not good at all",
              "dates": "25th of March 2026"}
"""What Gates traces first for each task (NER: the course's "Teddy Roosevelt" sentence)."""


def is_task_checkpoint(path: str) -> bool:
    """Whether the folder ``path`` holds a sequence-task model (its ``config.json`` says so)."""
    import json
    from pathlib import Path

    try:
        kind = json.loads((Path(path).expanduser() / "config.json").read_text(encoding="utf-8")).get("model_kind")
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return False
    return isinstance(kind, str) and kind.startswith("task.")


def load_model(choice: str | None) -> ModelLoaded:
    """A language model (``bundled:NAME`` or a folder) or a task checkpoint folder, described."""
    if choice is None or choice.startswith(BUNDLED_PREFIX) or not is_task_checkpoint(choice):
        return lm_jobs.load_model(choice)
    from engine.recurrent.kinds import kind_of
    from engine.tasks.io import load_task

    task = load_task(choice)
    cfg = task.config
    if task.encoder is None:
        from engine.errors import InputError

        raise InputError(f"{choice} holds the averaging {task.task} model: it has no recurrent layer to look inside; "
                         "train one with --model rnn")
    kind = kind_of(cfg.cell)
    info = lm_jobs.ModelInfo(
        path=str(choice), cell=kind.name, layers=int(cfg.layers), hidden=int(cfg.hidden),
        level="char" if task.task == "dates" else "word", variant_note=kind.note, equations=kind.equations,
        bidirectional=bool(cfg.bidirectional), corpus=str(task.info.get("data") or cfg.data or ""), task=task.task)
    return ModelLoaded(task, info)


def default_text(info: lm_jobs.ModelInfo) -> str:
    """What to trace first: the task's example, or a line of the language model's corpus."""
    if info.task:
        return TASK_TEXTS.get(info.task, "not good")
    return {"shakespeare": "First Citizen:\nBefore we proceed any further, hear me speak.",
            "names": "isabella", "dinos": "tyrannosaurus"}.get(info.corpus, "tyrannosaurus")


def trace(model: Any, text: str) -> TraceRecorded:
    """Every gate and state of ``model`` reading ``text`` (a task's encoder, or a language model)."""
    if hasattr(model, "task") and hasattr(model, "trace"):  # engine.tasks.base.TaskModel
        tokens, recorded = model.trace(text)
        return TraceRecorded(tuple(tokens), recorded)
    return lm_jobs.trace(model, text)
