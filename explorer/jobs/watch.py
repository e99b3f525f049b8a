"""Watching a run started elsewhere (``seq-explorer --watch RUN_DIR``): its ``metrics.jsonl`` tailed
into the run's own events by :func:`engine.run_watch.tail_metrics`, for the Train screen.

The run's events (``Started``, ``Step``, …) pass as they are, so the screen draws a watched run with
the handlers of its own runs; the watcher's events (the run not started yet, a new run in the folder,
a damaged line) arrive as one :class:`WatchNote`. Light: :mod:`engine.run_watch` is imported by the
worker, not with the screen (the Train screen is the first frame).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator, Literal


@dataclass(frozen=True)
class WatchNote:
    """What the watcher saw besides the run's events."""

    kind: Literal["waiting", "restarted", "skipped"]
    """``waiting``: nothing to read yet; ``restarted``: the file was replaced or truncated (a new run,
    read from its top); ``skipped``: a line that is not an event (reading goes on)."""
    detail: str = ""
    """waiting: "no-folder" or "no-metrics"; skipped: why."""
    line_number: int = 0
    """skipped: the line's number in metrics.jsonl."""


def events(run_dir: str, stop: threading.Event) -> Iterator[object]:
    """The events of the run writing ``run_dir/metrics.jsonl``, as it grows, until ``stop``."""
    from engine.run_watch import Restarted, Skipped, Waiting, tail_metrics

    for event in tail_metrics(run_dir, stop):
        if isinstance(event, Waiting):
            yield WatchNote("waiting", event.reason)
        elif isinstance(event, Restarted):
            yield WatchNote("restarted")
        elif isinstance(event, Skipped):
            yield WatchNote("skipped", event.reason, event.line_number)
        else:
            yield event


def watch(node, run_dir: str):
    """Follow ``run_dir``: its events arrive at ``node`` as messages of group "train", as a run of this
    app's would. Read-only: the handle stops the watching, not the run; quitting does not ask."""
    from explorer.runs import start_run

    return start_run(node, lambda stop: events(run_dir, stop), group="train", light=True, confirm_quit=False)
