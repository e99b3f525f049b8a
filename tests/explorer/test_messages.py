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
