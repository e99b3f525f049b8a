"""explorer.ticks: live views repaint together, once per shared tick."""

from __future__ import annotations

from explorer.ticks import LIVE_PERIOD_S, OnNextTick, until_next_tick


class Node:
    def __init__(self, mounted: bool) -> None:
        self.is_mounted = mounted
        self.timers: list[tuple[float, object]] = []

    def set_timer(self, delay, callback) -> None:
        self.timers.append((delay, callback))


def test_many_requests_before_a_tick_run_the_callback_once_at_that_tick():
    calls = []
    node = Node(mounted=True)
    tick = OnNextTick(node, lambda: calls.append(1))
    for _ in range(5):
        tick.request()
    assert len(node.timers) == 1 and calls == []
    delay, callback = node.timers[0]
    assert 0 < delay <= LIVE_PERIOD_S
    callback()
    assert calls == [1]
    tick.request()  # after the tick: a new one is scheduled
    assert len(node.timers) == 2


def test_an_unmounted_node_runs_at_once():
    calls = []
    tick = OnNextTick(Node(mounted=False), lambda: calls.append(1))
    tick.request()
    tick.request()
    assert calls == [1, 1]


def test_ticks_are_aligned_on_one_clock():
    assert 0 < until_next_tick() <= LIVE_PERIOD_S
