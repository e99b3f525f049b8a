"""The worker glue: the only place in ``explorer`` that iterates engine generators.

Usage from any screen (the job modules of :mod:`explorer.jobs` make the factories)::

    from explorer.runs import start_run

    def factory(stop):                      # runs in the worker thread
        from engine.training import train   # import torch-heavy code here, not at module top
        return train(config, stop)

    self.run_handle = start_run(self, factory, group="train")
    ...
    @on(EngineEvent[Step])                  # on the UI thread, one handler per event class
    def show_step(self, message): ...
    @on(RunFinished)                        # message.error is None or the exception
    def run_ended(self, message): ...

The thread posts an ``EngineEvent[type(event)]`` per event to ``node`` (progress
events at most 10 times a second: see :class:`~explorer.messages.Backlog`), never touching
widgets or calling ``call_from_thread``, and a
:class:`~explorer.messages.RunFinished` at the end. A failure inside the
generator is re-raised so the worker ends in the ERROR state, and the App's single
``on_worker_state_changed`` handler shows it in an error dialog.

Workers are created on the App (so that handler sees every one of them) with
``exclusive=True`` in their group: starting a run cancels the previous run of the
same group.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from explorer.messages import Backlog, EngineEvent, RunFinished
from explorer.progress import is_progress

if TYPE_CHECKING:  # pragma: no cover
    from explorer.child_runs import ChildJob

EventFactory = Callable[[threading.Event], Iterator[object]]

# app -> {group -> handle of the latest run in that group} (UI thread only).
_REGISTRY: "weakref.WeakKeyDictionary[object, dict[str, RunHandle]]" = weakref.WeakKeyDictionary()


def _runs_of(app: object) -> dict[str, "RunHandle"]:
    return _REGISTRY.setdefault(app, {})


@dataclass
class RunHandle:
    """A started run: ``stop()`` asks the generator to finish, ``running`` says whether it still does."""

    group: str
    stop_event: threading.Event
    worker: Worker | None = None
    paused: threading.Event = field(default_factory=threading.Event)
    holds_itself: bool = False
    """The generator honours ``paused`` itself (the engine's ``pause``, or a child process's run): the
    worker keeps reading."""
    save_request: threading.Event | None = None
    """Set to ask for a checkpoint now, where the run takes such requests."""
    confirm_quit: bool = True
    """Quitting while it runs asks first (False: watching a run elsewhere, which quitting leaves alone)."""

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def stop(self) -> None:
        """Ask the generator to stop at its next yield (and wake it if paused)."""
        self.stop_event.set()
        self.paused.clear()

    def pause(self) -> None:
        """Pause the run: the worker holds the generator between two events, or, where the run
        holds itself (``holds_itself``), the engine or the child waits."""
        self.paused.set()

    def resume(self) -> None:
        self.paused.clear()

    @property
    def is_paused(self) -> bool:
        return self.paused.is_set()


# Serialises the first, import-heavy moments of every worker (and the App's torch preload):
# two threads importing torch at once can see a partially initialised module.
IMPORT_LOCK = threading.Lock()


def _events(factory: EventFactory, stop: threading.Event, light: bool = False) -> Iterator[object]:
    if light:  # numpy-only work: never waits for torch
        yield from factory(stop)
        return
    with IMPORT_LOCK:  # the factory and the first step import the engine (and torch)
        events = iter(factory(stop))
        try:
            first = next(events)
        except StopIteration:
            return
    yield first
    yield from events


def _consume(node: DOMNode, factory: EventFactory, handle: RunHandle, light: bool = False) -> None:
    """Worker body (thread): iterate the generator, post every event to ``node``.

    Progress events held back by their :class:`Backlog`'s rate limit are posted before the next other
    event, at a pause, at the end — and by a small timer thread every interval, since a generator may go
    quiet for long after a burst (a watched file that stops growing, a long evaluation). One lock keeps
    the order: steps held back are always posted before an event that followed them.
    """
    error: BaseException | None = None
    backlogs: dict[type, Backlog] = {}
    order = threading.Lock()
    done = threading.Event()

    def flush() -> None:  # progress events that no message on its way will show (``order`` held)
        for backlog in list(backlogs.values()):
            if backlog.flush_needed():
                node.post_message(EngineEvent.of(backlog.latest_for_worker(), handle.group, backlog))

    def locked_flush() -> None:
        with order:
            flush()

    def flush_while_quiet() -> None:
        while not done.wait(Backlog.MIN_INTERVAL_S):
            with order:
                if not done.is_set():  # never after RunFinished
                    flush()

    def finish(message: RunFinished) -> None:
        done.set()
        with order:
            flush()
            node.post_message(message)

    threading.Thread(target=flush_while_quiet, name=f"flush:{handle.group}", daemon=True).start()
    try:
        for event in _events(factory, handle.stop_event, light):
            if is_progress(event):
                backlog = backlogs.setdefault(type(event), Backlog())
                if backlog.push(event):
                    node.post_message(EngineEvent.of(event, handle.group, backlog))
            else:
                with order:
                    flush()  # keep the order: earlier steps before this event
                    node.post_message(EngineEvent.of(event, handle.group))
            if handle.paused.is_set():
                locked_flush()  # show where it paused
                while handle.paused.is_set() and not handle.holds_itself and not handle.stop_event.is_set():
                    handle.stop_event.wait(0.05)  # paused: hold the generator between two events
            if handle.stop_event.is_set() and _stopped_hard(handle):
                break
    except BaseException as exc:  # noqa: BLE001 - reported to the screen, then re-raised for the App
        error = exc
        finish(RunFinished(handle.group, error=exc))
        raise
    finally:
        if error is None:
            finish(RunFinished(handle.group, cancelled=handle.stop_event.is_set()))
        done.set()


def _stopped_hard(handle: RunHandle) -> bool:
    # The generator itself honours ``stop`` (and yields a final event); we keep
    # iterating so that final event arrives. Only a cancelled worker breaks out.
    return handle.worker is not None and handle.worker.is_cancelled


def start_run(node: DOMNode, factory: EventFactory, *, group: str, light: bool = False,
              handle: RunHandle | None = None, confirm_quit: bool = True) -> RunHandle:
    """Run ``factory(stop)``'s generator in a thread worker; events go to ``node``.

    A previous run of the same ``group`` is stopped first. Returns a :class:`RunHandle`.
    ``light=True`` is for work that imports no torch (numpy queries, projections): it
    skips :data:`IMPORT_LOCK`, so it never waits for torch being imported elsewhere.
    ``handle`` brings its own control events (a child process's); by default new ones.
    ``confirm_quit=False``: quitting while it runs does not ask (it stops nothing that matters).
    """
    app = node.app
    runs = _runs_of(app)
    previous = runs.get(group)
    if previous is not None:
        previous.stop()
    handle = handle or RunHandle(group=group, stop_event=threading.Event())
    handle.confirm_quit = handle.confirm_quit and confirm_quit
    handle.worker = app.run_worker(
        lambda: _consume(node, factory, handle, light),
        name=f"run:{group}",
        group=group,
        description=f"engine run {group!r}",
        exit_on_error=False,
        exclusive=True,
        thread=True,
    )
    runs[group] = handle
    return handle


def active_runs(app: object, *, to_confirm: bool = False) -> list[RunHandle]:
    """Handles of ``app``'s runs still going; ``to_confirm``: only those quitting asks about."""
    return [h for h in _runs_of(app).values() if h.running and (h.confirm_quit or not to_confirm)]


def stop_all(app: object) -> None:
    """Ask every run of ``app`` to stop (App shutdown)."""
    for handle in list(_runs_of(app).values()):
        handle.stop()


def start_child_run(node: DOMNode, job: "ChildJob", config: object, *, group: str) -> RunHandle:
    """Run ``job`` on ``config`` (a frozen engine config) in a child process.

    The config crosses to the child as JSON (:mod:`explorer.child_runs`); the run's events arrive at
    ``node`` exactly as :func:`start_run`'s do, and ``stop()``, ``pause()`` and ``save_request`` reach
    it. The spare child started by ``child_runs.warm_up(job.preload)`` is used when there is one, so
    the run starts at once.
    """
    from explorer import child_runs

    child = child_runs.take(job.preload)
    handle = RunHandle(group=group, stop_event=child.stop, paused=child.paused, holds_itself=True,
                       save_request=child.save_request)
    return start_run(node, lambda _stop: child_runs.relay(child, job, config), group=group, light=True,
                     handle=handle)


def start_call(node: DOMNode, fn: Callable[[], object], *, group: str, light: bool = False) -> RunHandle:
    """Run ``fn()`` (loading a checkpoint, recording a trace, …) in a thread worker.

    Its return value, a small result object of the job (``ModelLoaded``, ``TraceRecorded``, …), arrives
    at ``node`` as the ``EngineEvent[type(value)]`` message of group ``group``; a failure becomes the
    App's error dialog, like any run's.
    """

    def one(stop: threading.Event) -> Iterator[object]:
        yield fn()

    return start_run(node, one, group=group, light=light)
