"""Training any task as a generator of events.

Public API::

    build_task(config) -> TaskModel                       # the task's data, vocabulary and fresh model
    train_task(config, stop=None, *, pause=None, save_request=None, task=None) -> Iterator[Event]

Events (:mod:`engine.tasks.events`): ``Started``; ``Step`` (every ``report_every_steps`` steps or
``report_every_s`` seconds, and the last step); after every epoch a ``TaskEvaluated`` with the
validation loss and metric; ``Saved`` when ``out`` is set and the kept weights changed (the
best so far, or the latest with ``keep="last"``); ``Diverged`` if the loss becomes NaN or
infinite; ``TaskFinished`` last, with the kept weights' test-set scores.

Each step: a batch of ``batch_size`` examples in an order fixed by ``(seed, epoch)``, the mean
cross-entropy over its predictions (sentences, tokens or output characters), Adam, the gradient
clipped to global norm ``clip_norm``. ``stop`` ends the run before the next step: the weights
kept so far (best validation, else the current ones) are written and the run ends "stopped"
without a test evaluation. ``pause`` holds the run between steps; ``save_request`` writes a
checkpoint of the kept weights at the next step.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from engine.checkpoint import append_metrics, event_record
from engine.device import auto_cpu_threads, select_device, seed_everything
from engine.events import Diverged, Event, Saved, Started, Step
from engine.tasks.base import TaskModel
from engine.tasks.config import TaskConfig
from engine.tasks.events import TaskEvaluated, TaskFinished
from engine.smoothing import smoothed

SMOOTHING = 0.98


def task_class(task: str) -> type[TaskModel]:
    """The :class:`TaskModel` subclass of ``task``."""
    if task == "sentiment":
        from engine.tasks.sentiment import SentimentTask

        return SentimentTask
    if task == "ner":
        from engine.tasks.ner import NERTask

        return NERTask
    from engine.tasks.dates import DatesTask

    return DatesTask


def build_task(config: TaskConfig) -> TaskModel:
    """Read the data and build vocabularies and a fresh model (seeded by ``config.seed``)."""
    return task_class(config.task).build(config)


def train_task(
    config: TaskConfig,
    stop: threading.Event | None = None,
    *,
    pause: threading.Event | None = None,
    save_request: threading.Event | None = None,
    task: TaskModel | None = None,
) -> Iterator[Event]:
    """Train ``config``'s task (or the given, already built ``task``); see the module docstring."""
    cfg = config.for_task()
    stop = stop or threading.Event()
    threads = auto_cpu_threads(cfg.cpu_threads)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        device = select_device(cfg.device)
        seed_everything(cfg.seed)
        if task is None:
            task = build_task(cfg)
        task.to(device)
        out = Path(cfg.out).expanduser() if cfg.out else None
        for event in _run(task, cfg, device, stop, pause, save_request, out):
            if out is not None:
                append_metrics(out, event_record(event))
            yield event
    finally:
        torch.set_num_threads(before)


def _run(task: TaskModel, cfg: TaskConfig, device: torch.device, stop: threading.Event,
         pause: threading.Event | None, save_request: threading.Event | None, out: Path | None) -> Iterator[Event]:
    model = task.model
    params = task.trainable_parameters()
    opt = torch.optim.Adam(params, lr=cfg.lr)
    per_epoch = task.steps_per_epoch()
    total = per_epoch * cfg.epochs
    yield Started(total_steps=total, device=str(device), description=task.describe())
    t0 = time.perf_counter()
    last_t, last_step, window_tokens = t0, 0, 0
    ema, step, reason = 0.0, 0, "completed"
    best_value, best_epoch, best_state = -math.inf, 0, None
    last_val: float | None = None
    last_loss = float("nan")
    saved: Saved | None = None

    def kept_state() -> dict[str, torch.Tensor]:
        return best_state if best_state is not None else model.state_dict()

    def save(state: dict[str, torch.Tensor], scores: dict | None = None) -> Saved:
        current = copy.deepcopy(model.state_dict())
        model.load_state_dict(state)
        try:
            path = task.save(out, scores=scores)  # type: ignore[arg-type]
        finally:
            model.load_state_dict(current)
        return Saved(step=step, path=str(path))

    for epoch in range(1, cfg.epochs + 1):
        rng = np.random.default_rng([cfg.seed, epoch])
        model.train()
        ep_sum = ep_n = 0.0
        for batch in task.batches("train", rng):
            while pause is not None and pause.is_set() and not stop.is_set():
                stop.wait(0.05)
            if stop.is_set():
                reason = "stopped"
                break
            loss, n = task.loss(batch)
            last_loss = float(loss.detach())
            step += 1
            if not math.isfinite(last_loss):
                yield Diverged(step=step, loss=last_loss, advice="lower the learning rate (lr) or clip harder (clip_norm)")
                yield TaskFinished(step=step, reason="diverged", final_loss=last_loss, val_loss=last_val,
                                   elapsed_s=time.perf_counter() - t0, checkpoint=saved.path if saved else None,
                                   task=task.task, metric=task.metric)
                return
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = float(torch.nn.utils.clip_grad_norm_(params, cfg.clip_norm))
            opt.step()
            ema = SMOOTHING * ema + (1 - SMOOTHING) * last_loss
            ep_sum, ep_n = ep_sum + last_loss * n, ep_n + n
            window_tokens += batch.tokens
            now = time.perf_counter()
            if step - last_step >= cfg.report_every_steps or now - last_t >= cfg.report_every_s or step == total:
                elapsed = now - t0
                yield Step(step=step, total_steps=total, loss=last_loss, smoothed_loss=smoothed(ema, step, SMOOTHING),
                           grad_norm=norm, grad_norm_clipped=min(norm, cfg.clip_norm), clipped=norm > cfg.clip_norm,
                           lr=cfg.lr, tokens_per_s=window_tokens / max(now - last_t, 1e-9), elapsed_s=elapsed,
                           eta_s=elapsed / step * (total - step), clip_threshold=cfg.clip_norm, clip_mode="norm")
                last_t, last_step, window_tokens = now, step, 0
            if save_request is not None and save_request.is_set():
                save_request.clear()
                if out is not None:
                    saved = save(kept_state())
                    yield saved
        if reason == "stopped":
            break
        ev = task.evaluate("val")
        last_val = ev.loss
        better = ev.value > best_value or (math.isnan(best_value) and not math.isnan(ev.value))
        if better or best_state is None:
            best_value, best_epoch = ev.value, epoch
            best_state = copy.deepcopy(model.state_dict()) if cfg.keep == "best" else None
        yield TaskEvaluated(step=step, val_loss=ev.loss, epoch=epoch, metric=ev.metric, value=ev.value,
                            metrics=ev.pairs(), train_loss=ep_sum / ep_n if ep_n else float("nan"), best=better)
        if out is not None and (better or cfg.keep == "last"):
            saved = save(kept_state())
            yield saved
    if best_state is not None:
        model.load_state_dict(best_state)
    test = None
    if reason == "completed" and step > 0:
        test = task.evaluate("test")
    if out is not None and step > 0:
        scores = {"best_epoch": best_epoch, "test": dict(test.metrics) if test else None}
        saved = save(model.state_dict(), scores)
        yield saved
    yield TaskFinished(
        step=step, reason=reason, final_loss=None if math.isnan(last_loss) else last_loss, val_loss=last_val,
        elapsed_s=time.perf_counter() - t0, checkpoint=saved.path if saved else None, task=task.task,
        metric=task.metric, test_value=test.value if test else None, test_metrics=test.pairs() if test else (),
        best_epoch=best_epoch,
    )
