"""Textual messages that carry engine events from a worker thread to a screen.

A worker (see :mod:`explorer.runs`) iterates an engine generator and posts one
:class:`EngineEvent` per event to the node that started the run; when the
generator ends it posts :class:`RunFinished`. Handlers are ``on_engine_event``
and ``on_run_finished``; ``message.group`` names the run ("train", "w2v", ...),
so one screen can host several runs.

Events that only carry "the latest value" (training ``Step`` progress and any
class listed in :data:`REPLACEABLE`) use ``can_replace``: while an older one of
the same group is still queued, the newer replaces it, so a slow screen can never
make the queue grow without bound. The replaced events are not lost: they wait
in the run's :class:`Backlog` and ``message.drain()`` returns them all (for
charts); ``message.event`` is the latest (for numbers).
"""

from __future__ import annotations

import threading

from textual.message import Message

# Event class names whose messages may replace a queued older one of the same group.
# Names (not classes) so this module never imports the engine.
REPLACEABLE: set[str] = {"Step", "Progress", "WordsStep", "Projected"}


class Backlog:
    """Replaceable events not yet seen by the UI, shared by a run's messages (thread-safe).

    When a newer message replaces a queued one, the older event stays here, so a
    chart can still draw every point: ``message.drain()`` returns them all in order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[object] = []

    def push(self, event: object) -> None:
        with self._lock:
            self._items.append(event)

    def drain(self) -> list[object]:
        with self._lock:
            items, self._items = self._items, []
        return items


class EngineEvent(Message):
    """One event yielded by an engine generator, delivered on the UI thread."""

    def __init__(self, event: object, group: str, backlog: Backlog | None = None) -> None:
        super().__init__()
        self.event = event
        self.group = group
        self.backlog = backlog

    @property
    def replaceable(self) -> bool:
        return type(self.event).__name__ in REPLACEABLE

    def drain(self) -> list[object]:
        """Every event of this kind since the last drain, oldest first (``[event]`` without a backlog).

        Empty when an earlier message already drained this one's event.
        """
        if self.backlog is None:
            return [self.event]
        return self.backlog.drain()

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, EngineEvent)
            and message.group == self.group
            and type(message.event) is type(self.event)
            and self.replaceable
        )


class RunFinished(Message):
    """A run's generator ended: normally (``error`` None), stopped, or with an exception."""

    def __init__(self, group: str, error: BaseException | None = None, cancelled: bool = False) -> None:
        super().__init__()
        self.group = group
        self.error = error
        self.cancelled = cancelled


class TorchReady(Message):
    """``import torch`` finished in the background (``error`` set if it failed)."""

    def __init__(self, seconds: float, device: str = "cpu", error: BaseException | None = None) -> None:
        super().__init__()
        self.seconds = seconds
        self.device = device
        self.error = error
