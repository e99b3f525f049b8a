"""Textual messages that carry engine events from a worker thread to a screen.

A worker (see :mod:`explorer.runs`) iterates an engine generator and posts one message per event to
the node that started the run; when the generator ends it posts :class:`RunFinished`. The message of
an event of class ``E`` is an ``EngineEvent[E]``: one message class per event class, made on first use
and mirroring the events' own hierarchy (``EngineEvent[Step]`` is an ``EngineEvent[ProgressEvent]``
is an ``EngineEvent[Event]`` is an ``EngineEvent``). A screen handles the events it shows by type::

    @on(EngineEvent[Step])
    def show_step(self, message: EngineEvent) -> None:
        for step in message.drain(): ...

``message.group`` names the run ("train", "gradients.race", …) where one screen hosts several runs
that yield the same events, and ``message.event`` is the event.

Progress events (:func:`explorer.progress.is_progress`) go through the run's :class:`Backlog`: the
worker posts a message for them at most 10 times a second, and never while the previous one is still
unread, so a run yielding thousands of steps a second costs the UI thread a few dozen messages, not
thousands (each message woke the event loop and took the GIL from the training thread). Nothing is
lost: ``message.drain()`` returns every event since the last drain (for charts) and
``message.event`` is the latest one (for numbers).
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from textual.message import Message

from explorer.progress import PROGRESS_INTERVAL_S, is_progress


class Backlog:
    """Progress events not yet seen by the UI, shared by a run's messages (thread-safe).

    The worker calls :meth:`push` for each event and posts a message only when it
    returns True; :meth:`flush_needed` says whether events are waiting that no
    message will bring (before another event, a pause, or the end).
    The UI thread reads :meth:`latest` or :meth:`drain`, which marks the posted
    message as read.
    """

    MIN_INTERVAL_S = PROGRESS_INTERVAL_S
    """At most this often a message."""
    UNREAD_S = 0.5
    """A message unread for this long is assumed ignored (its handler read nothing): post again."""
    MAX_ITEMS = 100_000
    """Oldest events dropped beyond this (a handler that never drains must not grow memory)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._lock = threading.Lock()
        self._items: list[object] = []
        self._latest: object = None
        self._clock = clock
        self._posted_at = -1e9
        self._unread = False
        """A posted message has not been read yet."""
        self._unposted = False
        """Events arrived that neither a message on its way nor a read has covered."""

    def push(self, event: object) -> bool:
        """Add ``event`` (worker thread); True when a message must be posted now."""
        with self._lock:
            self._items.append(event)
            if len(self._items) > self.MAX_ITEMS:
                del self._items[: len(self._items) - self.MAX_ITEMS]
            self._latest = event
            now = self._clock()
            if self._unread and now - self._posted_at < self.UNREAD_S:
                return False  # the unread message will show this event: .event is the latest
            if now - self._posted_at < self.MIN_INTERVAL_S:
                self._unposted = True
                return False
            self._mark_posted(now)
            return True

    def flush_needed(self) -> bool:
        """(worker) True when an event is waiting that no message will show; marks it posted."""
        with self._lock:
            if not self._unposted or self._unread:
                return False
            self._mark_posted(self._clock())
            return True

    def _mark_posted(self, now: float) -> None:
        self._posted_at, self._unread, self._unposted = now, True, False

    def latest_for_worker(self) -> object:
        """(worker) The newest event pushed, without marking anything read."""
        with self._lock:
            return self._latest

    def latest(self) -> object:
        """(UI thread) The newest event pushed; marks the posted message read."""
        with self._lock:
            self._unread = self._unposted = False
            return self._latest

    def drain(self) -> list[object]:
        """(UI thread) Every event since the last drain, oldest first."""
        with self._lock:
            self._unread = self._unposted = False
            items, self._items = self._items, []
        return items


_CLASSES: dict[type, type["EngineEvent"]] = {}
_CLASSES_LOCK = threading.Lock()


class EngineEvent(Message, bubble=False):
    """One event yielded by an engine run, delivered on the UI thread; ``EngineEvent[E]`` is the
    message class of events of class ``E`` (see the module docstring). It goes to the node that
    started the run and no further (no bubbling: a training run posts dozens a second)."""

    event_type: ClassVar[type] = object
    """The class of the events this message class carries (``object`` for the base)."""

    def __class_getitem__(cls, event_type: type) -> type["EngineEvent"]:
        with _CLASSES_LOCK:  # workers make these classes too
            return _message_class(event_type)

    @classmethod
    def of(cls, event: object, group: str, backlog: Backlog | None = None) -> "EngineEvent":
        """The message for ``event`` (an instance of ``EngineEvent[type(event)]``)."""
        return EngineEvent[type(event)](event, group, backlog)

    def __init__(self, event: object, group: str, backlog: Backlog | None = None) -> None:
        super().__init__()
        self._event = event
        self.group = group
        self.backlog = backlog

    @property
    def event(self) -> object:
        """The engine event; for a progress event, the newest pushed so far."""
        return self._event if self.backlog is None else self.backlog.latest()

    @property
    def replaceable(self) -> bool:
        return is_progress(self._event)

    def drain(self) -> list[object]:
        """Every event of this kind since the last drain, oldest first (``[event]`` without a backlog).

        Empty when an earlier message already drained this one's event.
        """
        if self.backlog is None:
            return [self.event]
        return self.backlog.drain()

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self) and message.group == self.group and self.replaceable


def _message_class(event_type: type) -> type[EngineEvent]:
    """``EngineEvent[event_type]``, made once; its bases mirror ``event_type``'s (lock held)."""
    made = _CLASSES.get(event_type)
    if made is None:
        bases = tuple(_message_class(b) for b in event_type.__bases__ if b is not object) or (EngineEvent,)
        made = type(f"EngineEvent[{event_type.__qualname__}]", bases,
                    {"event_type": event_type, "__module__": __name__,
                     "__doc__": f"The message of a {event_type.__qualname__} event."}, bubble=False)
        _CLASSES[event_type] = made
    return made


class RunFinished(Message, bubble=False):
    """A run's generator ended: normally (``error`` None), stopped, or with an exception (which the
    App's worker handler also shows in a dialog). Goes to the node that started the run only."""

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
