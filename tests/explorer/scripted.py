"""Deterministic scripted engine events for the app's tests and snapshots (no torch, no timing)."""

from __future__ import annotations

import math
import threading
from typing import Iterator

from engine.events import Diverged, Evaluated, Finished, Sample, Sampled, Saved, Started, Step


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
    """A fake ``engine.training.train``: yields ``events``, honours ``stop``, optionally waits on ``hold``."""

    def train(config, stop: threading.Event) -> Iterator[object]:
        for event in events:
            if stop.is_set():
                yield Finished(step=0, reason="stopped")
                return
            if hold is not None:
                hold.wait(5)
            yield event

    return train
