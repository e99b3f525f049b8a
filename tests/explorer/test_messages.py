"""The Backlog protocol (explorer.messages): few messages for many progress events, none lost."""

from __future__ import annotations

from explorer.messages import Backlog, EngineEvent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_push_posts_at_most_every_interval_and_never_while_unread():
    clock = Clock()
    backlog = Backlog(clock)
    assert backlog.push(1) is True  # first event: post
    clock.now += Backlog.MIN_INTERVAL_S * 1.5  # past the interval, but the message is unread
    assert backlog.push(2) is False  # the posted message is still unread: it will show 2
    assert backlog.latest() == 2  # the UI reads: marks it read
    assert backlog.push(3) is True  # read, and the interval has passed
    backlog.drain()
    clock.now += Backlog.MIN_INTERVAL_S / 2
    assert backlog.push(4) is False  # too soon after the last post
    assert backlog.flush_needed() is True  # ... so the worker must flush before anything else
    assert backlog.flush_needed() is False  # once
    assert backlog.drain() == [4]


def test_flush_is_not_needed_while_a_message_is_unread():
    clock = Clock()
    backlog = Backlog(clock)
    assert backlog.push("a")
    clock.now += 0.001
    assert not backlog.push("b")
    assert not backlog.flush_needed()  # the unread message shows "b" when read
    assert EngineEvent("a", "g", backlog).event == "b"


def test_an_ignored_message_is_posted_again_after_a_while():
    clock = Clock()
    backlog = Backlog(clock)
    assert backlog.push(1)
    clock.now += Backlog.UNREAD_S + 0.01
    assert backlog.push(2)  # nobody read the first: post again rather than go silent


def test_drain_returns_everything_in_order_and_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr(Backlog, "MAX_ITEMS", 5)
    backlog = Backlog(Clock())
    for i in range(12):
        backlog.push(i)
    assert backlog.drain() == [7, 8, 9, 10, 11]
    assert backlog.drain() == []


# ---------------------------------------------------------------- typed messages


def test_each_event_class_has_one_message_class_mirroring_its_hierarchy():
    from engine.events import Event, ProgressEvent, Started, Step

    assert EngineEvent[Step] is EngineEvent[Step]
    assert issubclass(EngineEvent[Step], EngineEvent[ProgressEvent])
    assert issubclass(EngineEvent[ProgressEvent], EngineEvent[Event])
    assert not issubclass(EngineEvent[Started], EngineEvent[ProgressEvent])
    assert type(EngineEvent.of(Started(total_steps=1, device="cpu"), "g")) is EngineEvent[Started]
    assert EngineEvent[Step].bubble is False


def test_only_progress_messages_of_one_run_replace_each_other():
    from engine.events import Saved
    from explorer.jobs.projection import Projected

    def projected(n: int) -> Projected:
        return Projected(("w",) * n, ((0.0, 0.0),) * n, (0,) * n, "pca")

    a, b = EngineEvent.of(projected(1), "g"), EngineEvent.of(projected(2), "g")
    assert b.can_replace(a) and a.replaceable
    assert not EngineEvent.of(projected(2), "other").can_replace(a)
    saved = EngineEvent.of(Saved(step=1, path="x"), "g")
    assert not saved.replaceable and not EngineEvent.of(Saved(step=2, path="y"), "g").can_replace(saved)


async def test_on_handlers_receive_exactly_their_event_classes():
    """@on(EngineEvent[Step]) sees Steps; @on(EngineEvent[Event]) every engine event; nothing by name."""
    from textual import on
    from textual.app import App

    from engine.events import Event, Finished, Started, Step
    from explorer.runs import start_run

    def step(i: int) -> Step:
        return Step(step=i, total_steps=3, loss=1.0, smoothed_loss=1.0, grad_norm=1.0, grad_norm_clipped=1.0,
                    clipped=False, lr=0.1, tokens_per_s=1.0, elapsed_s=0.0, eta_s=0.0)

    class Watcher(App):
        def __init__(self) -> None:
            super().__init__()
            self.steps: list[int] = []
            self.any: list[str] = []

        @on(EngineEvent[Step])
        def show_steps(self, message: EngineEvent) -> None:
            self.steps.extend(s.step for s in message.drain())

        @on(EngineEvent[Event])
        def show_any(self, message: EngineEvent) -> None:
            self.any.append(type(message.event).__name__)

    events = [Started(total_steps=3, device="cpu"), step(1), step(2), step(3), Finished(step=3, reason="completed")]
    app = Watcher()
    async with app.run_test() as pilot:
        start_run(app, lambda stop: iter(events), group="g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
    assert app.steps == [1, 2, 3]
    assert app.any[0] == "Started" and app.any[-1] == "Finished" and set(app.any) == {"Started", "Step", "Finished"}


async def test_steps_held_back_reach_the_screen_while_the_generator_is_quiet():
    """A run that yields a burst of steps and then goes quiet (a watched file that stops growing, a long
    evaluation) still shows every step: the steps held back by the rate limit are posted by the worker's
    timer, not only before the next event (which may never come)."""
    import asyncio
    import threading
    import time

    from textual import on
    from textual.app import App

    from engine.events import Step
    from explorer.runs import start_run

    def step(i: int) -> Step:
        return Step(step=i, total_steps=30, loss=1.0, smoothed_loss=1.0, grad_norm=1.0, grad_norm_clipped=1.0,
                    clipped=False, lr=0.1, tokens_per_s=1.0, elapsed_s=0.0, eta_s=0.0)

    first_read = threading.Event()

    class Watcher(App):
        def __init__(self) -> None:
            super().__init__()
            self.steps: list[int] = []

        @on(EngineEvent[Step])
        def show_steps(self, message: EngineEvent) -> None:
            self.steps.extend(s.step for s in message.drain())
            first_read.set()

    def quiet_after_a_burst(stop: threading.Event):
        yield step(1)
        first_read.wait(10)  # the screen has read the first message: the next steps come within the interval
        yield from (step(i) for i in range(2, 31))
        stop.wait()  # nothing more until stopped

    app = Watcher()
    async with app.run_test():
        handle = start_run(app, quiet_after_a_burst, group="g")
        deadline = time.monotonic() + 5
        while app.steps != list(range(1, 31)) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        handle.stop()
        assert app.steps == list(range(1, 31))
