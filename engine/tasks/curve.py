"""A learning curve: pretrained vs random embeddings as the training set grows (transfer learning).

Public API::

    CURVE_SIZES                                   # (50, 200, 1000, None): None = the whole training set
    curve_epochs(size, batch_size, base_epochs, min_steps=400, max_epochs=200) -> int
    learning_curve(config, stop=None, *, sizes=CURVE_SIZES, pretrained=None, min_steps=400,
                   max_epochs=200) -> Iterator[Event]

For each training-set size (a nested seeded subset: the 50 sentences are inside the 200) the
task is trained twice with everything else equal: embeddings initialised from ``pretrained``
(``config.embeddings``; GloVe by default; frozen or fine-tuned as ``config.freeze_embeddings``
says) and random embeddings. Each point is the test-set metric of the best-validation weights.
The course's claim: transfer helps most when the task's own data are few.

Small sets get more epochs (:func:`curve_epochs`, at least ``min_steps`` optimiser steps), so a
50-sentence run is not judged after two steps. Events: ``PartStarted`` before each run, that
run's events, a :class:`CurvePoint` after it, and :class:`CurveFinished` with every point.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from engine.events import Event
from engine.tasks.config import TaskConfig
from engine.tasks.events import CurveFinished, CurvePoint, PartStarted, TaskFinished
from engine.tasks.training import build_task, train_task

CURVE_SIZES: tuple[int | None, ...] = (50, 200, 1000, None)


def curve_epochs(size: int, batch_size: int, base_epochs: int, min_steps: int = 400, max_epochs: int = 200) -> int:
    """Epochs for ``size`` examples: ``base_epochs``, or enough for ``min_steps`` steps (≤ ``max_epochs``)."""
    per_epoch = max(1, math.ceil(size / batch_size))
    return max(base_epochs, min(max_epochs, math.ceil(min_steps / per_epoch)))


def learning_curve(
    config: TaskConfig,
    stop: threading.Event | None = None,
    *,
    sizes: Sequence[int | None] = CURVE_SIZES,
    pretrained: str | None = None,
    min_steps: int = 400,
    max_epochs: int = 200,
) -> Iterator[Event]:
    """Train ``config``'s task at each size with pretrained and with random embeddings.

    ``pretrained``: the vectors to compare with random ones (default: ``config.embeddings``, or
    GloVe when that is "none"). ``min_steps``/``max_epochs``: see :func:`curve_epochs`.
    """
    stop = stop or threading.Event()
    cfg = config.for_task()
    source = pretrained or (cfg.embeddings if cfg.embeddings != "none" else "glove")
    name = source if source in ("glove", "none") else Path(source).name or source
    inits = ((name, source), ("random", "none"))
    runs = [(size, name, spec) for size in sizes for name, spec in inits]
    points: list[CurvePoint] = []
    for index, (size, name, spec) in enumerate(runs, start=1):
        run_cfg = replace(cfg, train_size=size, embeddings=spec, out=None,
                          freeze_embeddings=cfg.freeze_embeddings and spec != "none")
        yield PartStarted(index=index, total=len(runs), name=f"{name} n={size if size is not None else 'all'}")
        task = build_task(run_cfg)
        n = len(task.examples("train"))
        run_cfg = replace(run_cfg, epochs=curve_epochs(n, cfg.batch_size, cfg.epochs, min_steps, max_epochs))
        task.config = run_cfg
        finished = None
        for event in train_task(run_cfg, stop, task=task):
            if isinstance(event, TaskFinished):
                finished = event
            yield event
        if finished is None or finished.reason != "completed" or finished.test_value is None:
            yield CurveFinished(points=tuple(points), reason="stopped")
            return
        point = CurvePoint(size=n, init=name, metric=finished.metric, value=finished.test_value, epochs=run_cfg.epochs)
        points.append(point)
        yield point
    yield CurveFinished(points=tuple(points))
