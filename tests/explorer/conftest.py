"""Fixtures for the app's tests: an app factory, a tiny checkpoint, scripted event feeding."""

from __future__ import annotations

import asyncio
import inspect
import math
import threading
from typing import Iterator

import pytest

from engine.events import Diverged, Evaluated, Finished, Sample, Sampled, Saved, Started, Step

from explorer.app import make_app
from explorer.messages import EngineEvent

SIZE = (120, 40)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests with asyncio.run (no async pytest plugin is installed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None


@pytest.fixture
def app_factory(tmp_path):
    """``app_factory(screen=..., **options)``: an app that loads nothing by itself and saves under tmp."""

    def build(screen: str = "train", checkpoint: str | None = None, preload_torch: bool = False, **options):
        # train_in="thread": scripted runs replace engine.training.train in this process; the child
        # process path has its own tests (test_child_runs.py, test_train.py's real runs).
        opts = {"autoload": checkpoint is not None, "runs_dir": str(tmp_path / "runs"), "train_in": "thread",
                **options}
        return make_app(screen=screen, checkpoint=checkpoint, device="cpu", preload_torch=preload_torch,
                        options=opts)

    return build


async def feed(screen, events, group: str) -> None:
    """Deliver ``events`` to ``screen`` as the worker's messages would (an ``EngineEvent[type]`` each,
    through the screen's queue and its ``@on`` handlers), one at a time: without a backlog, queued
    progress messages would replace each other (``can_replace``) and lose their events."""
    from explorer.widgets.line_chart import LineChart

    for event in events:
        screen.post_message(EngineEvent.of(event, group))
        handled = asyncio.Event()
        screen.call_later(handled.set)  # queued after the message: runs once it is handled
        await asyncio.wait_for(handled.wait(), 30)
    for chart in screen.query(LineChart):
        chart.flush()
    if hasattr(screen, "flush_stats"):
        screen.flush_stats()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> str:
    """A seeded, untrained char LSTM (n_a = 8) over a–z saved as a checkpoint directory."""
    import torch

    from engine.lm import LanguageModel, ModelConfig, save_language_model
    from engine.text import Vocab

    torch.manual_seed(0)
    vocab = Vocab(list("abcdefghijklmnopqrstuvwxyz"), "char")
    model = LanguageModel(vocab, ModelConfig(vocab_size=len(vocab), cell="lstm", hidden=8),
                          config={"data": "dinos"})
    path = tmp_path_factory.mktemp("ckpt") / "tiny-lstm"
    save_language_model(model, path)
    return str(path)


# ---------------------------------------------------------------- scripted engine events (no torch, no timing)


def training_events(steps: int = 120, clip_every: int = 7, total: int = 200) -> list[object]:
    """A plausible training run: falling loss, noisy gradient norm, clipping by norm at 1.0."""
    events: list[object] = [Started(total_steps=total, device="cpu", description="char lstm on dinos, hidden 50")]
    smoothed = None
    for i in range(1, steps + 1):
        loss = 3.3 * math.exp(-i / 40) + 1.2 + 0.15 * math.sin(i * 1.7)
        smoothed = loss if smoothed is None else 0.9 * smoothed + 0.1 * loss
        grad = 0.6 + 0.5 * abs(math.sin(i * 0.9)) + (0.8 if i % clip_every == 0 else 0.0)
        clipped = grad > 1.0
        events.append(Step(step=i, total_steps=total, loss=loss, smoothed_loss=smoothed, grad_norm=grad,
                           grad_norm_clipped=min(grad, 1.0), clipped=clipped, lr=0.01,
                           tokens_per_s=12345.0, elapsed_s=i * 0.05, eta_s=(total - i) * 0.05,
                           clip_threshold=1.0, clip_mode="norm"))
        if i % 40 == 0:
            events.append(Evaluated(step=i, val_loss=loss + 0.1))
        if i % 60 == 0:
            events.append(Sampled(step=i, samples=(Sample("tyrannosaurus", True), Sample("brachiosaurus", True),
                                                   Sample("velocisaurus", False), Sample("aerotitan", False))))
    events.append(Saved(step=steps, path="/tmp/run/ckpt"))
    return events


def diverging_events() -> list[object]:
    return [
        Started(total_steps=100, device="cpu", description="char rnn on dinos, lr 50"),
        Step(step=1, total_steps=100, loss=3.3, smoothed_loss=3.3, grad_norm=40.0, grad_norm_clipped=40.0,
             clipped=False, lr=50.0, tokens_per_s=1000.0, elapsed_s=0.1, eta_s=10.0),
        Diverged(step=2, loss=float("nan"), advice="lower the learning rate (try 0.01) or clip gradients by norm"),
        Finished(step=2, reason="diverged", final_loss=None),
    ]


def scripted_train(events: list[object], hold: threading.Event | None = None):
    """A fake ``engine.training.train``: yields ``events``, honours ``stop`` and ``pause`` (held before
    its next event, as the engine holds before its next step), optionally waits on ``hold``."""

    def train(config, stop: threading.Event, *, save_request=None, pause=None) -> Iterator[object]:
        for event in events:
            while pause is not None and pause.is_set() and not stop.is_set():
                stop.wait(0.02)
            if stop.is_set():
                yield Finished(step=0, reason="stopped")
                return
            if hold is not None:
                hold.wait(5)
            yield event

    return train


async def form_ready(app, pilot):
    """The Train screen's form, once its fields and the buttons are mounted (they follow the first frame)."""
    from explorer.widgets.train_form import TrainForm

    form = app.screen.query_one(TrainForm)
    for _ in range(200):
        if form.filled and app.screen.query("#btn-start"):
            return form
        await pilot.pause(0.01)
    raise AssertionError("the Train form never filled in")


async def settle(app, pilot, pauses: int = 2) -> None:
    """Wait for every worker (a failed one has already become a dialog), then let messages land."""
    from textual.worker import WorkerFailed

    await pilot.pause()  # a worker that a queued message starts is started first
    try:
        await app.workers.wait_for_complete()
    except WorkerFailed:
        pass
    for _ in range(pauses):
        await pilot.pause()
