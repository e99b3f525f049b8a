"""Engine generators run in a child process, their events relayed to a thread worker.

Why: a training loop of a small model is mostly Python between short torch calls. In a
thread of the app's own process it shares the GIL with the UI: every repaint, message and
key holds the training loop back, not only for its own CPU time but for the hand-overs
(measured: 0.77–1.03× the headless command's speed). In a child process the loop never
waits for the UI's GIL; the two only share the cores.

The parent side is an ordinary :func:`explorer.runs.start_run` worker whose generator
(:func:`relay`) reads batches of events from a socket, so everything after it (backlogs,
``EngineEvent`` messages, ``RunFinished``, the App's error dialog) is the same as for a run
in a thread. The run's control events (``stop``, ``paused``, ``save_request``) are
:class:`RemoteEvent` objects: setting one in the app sets its twin in the child, a plain
``threading.Event`` that the engine reads as it always does.

What a child can run is a :class:`ChildJob` registered in :data:`JOBS` by its job module (the Train
screen's: :data:`explorer.jobs.train.TRAIN`): an engine config class and the generator run on it. The
child receives the job's name and the frozen config as JSON (``config.to_json()``), rebuilds it with
``from_json`` (which validates it again) and runs ``job.run(config, stop, save_request, pause)``.

Protocol over a socket pair. Parent → child: JSON only (the child never unpickles anything); child →
parent: pickles of the engine's own event objects, read by the app that started the child::

    child → parent   ("ready",)            the engine is imported: a job can start at once
    parent → child   ["job", NAME, CONFIG_JSON]                  JOBS[NAME].run(config, controls…)
    parent → child   ["set" | "clear", "stop" | "paused" | "save_request"]   any time
    child → parent   ("events", [event, …]) a batch: a non-progress event is sent at once,
                                           progress at most every FLUSH_S
    child → parent   ("done",) | ("error", exception)

The child is a plain ``python -c`` running :func:`main` (``subprocess``, not
``multiprocessing``: no resource tracker, which cannot start under Textual's captured
stderr, and no re-import of the app's main module); its stdout and stderr go to
/dev/null so that nothing it prints reaches the app's terminal. A spare child is started
ahead of time (:func:`warm_up`: it imports torch while the user reads the form), so a run
starts as fast as in a thread. The child ignores SIGINT (the parent decides when to
stop); if the parent disappears, the child sees its socket close and stops as if asked,
which writes the run's final checkpoint, then exits.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterator

from explorer.progress import PROGRESS_INTERVAL_S, is_progress

FLUSH_S = PROGRESS_INTERVAL_S
"""Progress events wait at most this long in the child before a batch is sent."""
FINISH_TIMEOUT_S = 60.0
"""How long a stopped child may take to save and exit before the app terminates it."""
ORPHAN_EXIT_S = 120.0
"""How long a child whose app has gone may take to save and exit before it exits anyway."""


class ChildEnded(RuntimeError):
    """The child process ended without saying why (killed, out of memory, a crash in C)."""


class ChildError(RuntimeError):
    """An error raised in the child that could not be sent as itself (its type is in the text)."""


@dataclass(frozen=True)
class ChildJob:
    """What a child process can run: ``run(config, stop, save_request, pause)`` on a frozen config."""

    name: str
    """Its key in :data:`JOBS`."""
    config_type: type
    """A frozen engine config with ``to_json()`` and ``from_json(data)`` (which validates)."""
    run: Callable[[Any, threading.Event, threading.Event, threading.Event], Iterator[object]]
    """The engine generator on ``config``, taking the run's ``stop``, ``save_request`` and ``pause``."""
    preload: tuple[str, ...]
    """Modules a spare child imports before the job comes; the job's own module registers it there."""
    holds_pause: bool = True
    """``run`` waits itself while ``pause`` is set (the engine's train: time paused is then not training
    time); otherwise the child holds the generator between two events."""


JOBS: dict[str, ChildJob] = {}
"""The jobs this process knows, by name (:func:`register_job`)."""


def register_job(job: ChildJob) -> ChildJob:
    """Make ``job`` runnable in a child process (its module calls this when imported)."""
    JOBS[job.name] = job
    return job


# -- the child -------------------------------------------------------------------------
CONTROLS = ("stop", "paused", "save_request")
CHILD_COMMAND = ("import sys; sys.path[:1] == [''] and sys.path.pop(0); "
                 "from explorer.child_runs import main; main(sys.argv[1:])")
"""The child's program: ``-c``, not ``-m``, so that its classes pickle as ``explorer.child_runs.*``;
the current directory that ``-c`` puts first on ``sys.path`` is dropped (the app's own script
does not have it), so a user's ``engine/`` or ``torch.py`` there cannot shadow ours."""


class _Sender:
    """Batches events to the parent; once the parent is gone, sends are dropped."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.batch: list[object] = []
        self.sent_at = time.monotonic()
        self.broken = False
        self._lock = threading.Lock()  # the control thread flushes too (on pause)

    def send(self, message: tuple) -> None:
        with self._lock:
            self._send(message)

    def _send(self, message: tuple) -> None:
        if self.broken:
            return
        try:
            self.conn.send(message)
        except OSError:  # BrokenPipeError, ConnectionResetError: nobody is listening
            self.broken = True

    def add(self, event: object) -> None:
        with self._lock:
            self.batch.append(event)
            now = time.monotonic()
            if not is_progress(event) or now - self.sent_at >= FLUSH_S:
                self._flush(now)

    def flush(self) -> None:
        with self._lock:
            self._flush(time.monotonic())

    def _flush(self, now: float) -> None:
        if self.batch:
            batch, self.batch = self.batch, []
            self._send(("events", batch))
        self.sent_at = now


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (its type picks the dialog's wording), else a ChildError."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any failure to round-trip
        return ChildError(f"{type(exc).__name__}: {exc}")


def _receive_json(conn: Connection) -> list:
    """The parent's next message (JSON: a list whose first item names it)."""
    return json.loads(conn.recv_bytes().decode("utf-8"))


def _apply(message: list, controls: dict[str, threading.Event]) -> None:
    verb, name = message
    event = controls[name]
    event.set() if verb == "set" else event.clear()


def _listen(conn: Connection, controls: dict[str, threading.Event], sender: _Sender) -> None:
    """Child thread: apply the parent's control messages; the parent gone means stop."""
    try:
        while True:
            message = _receive_json(conn)
            _apply(message, controls)
            if message == ["set", "paused"]:
                sender.flush()  # the run may hold before its next event: what is batched goes now
    except (EOFError, OSError):
        controls["paused"].clear()
        controls["stop"].set()  # the engine ends the run with its final checkpoint
        time.sleep(ORPHAN_EXIT_S)
        os._exit(1)  # a run that ignored stop: never outlive the app by more than this


def child_main(conn: Connection, preload: tuple[str, ...]) -> None:
    """The child process: import ``preload``, say ready, run one job, send its events."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app decides when a run stops (it has its own session too)
    controls = {name: threading.Event() for name in CONTROLS}
    stop, paused = controls["stop"], controls["paused"]
    sender = _Sender(conn)
    failed: BaseException | None = None
    try:
        for name in preload:
            importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - reported when the job comes
        failed = exc
    sender.send(("ready",))
    try:
        while (message := _receive_json(conn))[0] != "job":
            _apply(message, controls)  # a stop (or pause) that came before the job
    except (EOFError, OSError):
        return  # the parent went away before giving a job
    threading.Thread(target=_listen, args=(conn, controls, sender), name="control", daemon=True).start()
    try:
        if failed is not None:
            raise failed
        _, name, data = message
        job = JOBS[name]
        config = job.config_type.from_json(data)
        for event in job.run(config, stop, controls["save_request"], paused):
            sender.add(event)
            if paused.is_set():
                sender.flush()  # the app shows where it paused
                while paused.is_set() and not job.holds_pause and not stop.is_set():
                    stop.wait(0.05)
        sender.flush()
        sender.send(("done",))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent's dialog
        sender.flush()
        sender.send(("error", portable(exc)))


def main(argv: list[str]) -> None:
    """The child's entry point (:data:`CHILD_COMMAND` FD [MODULE …]): FD is its end of the socket pair."""
    conn = Connection(int(argv[0]))
    try:
        child_main(conn, tuple(argv[1:]))
    finally:
        conn.close()


# -- the parent ------------------------------------------------------------------------
def _child_env() -> dict[str, str]:
    """The app's environment, with the directory that holds ``explorer`` first on the path: the
    child finds this very package even when the app runs from a source tree that is not installed
    (``python -m explorer`` there relies on the current directory, which the child drops)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


class RemoteEvent:
    """A ``threading.Event`` whose ``set``/``clear`` also reach its twin in the child."""

    def __init__(self, child: "Child", name: str) -> None:
        self.child, self.name = child, name
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()
        self.child.send(("set", self.name))

    def clear(self) -> None:
        self._event.clear()
        self.child.send(("clear", self.name))

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class Child:
    """One child interpreter waiting for (or running) its job, with its control events."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        self.preload = preload
        ours, theirs = socket.socketpair()
        with ours, theirs:
            fd = theirs.fileno()
            self.process = subprocess.Popen(
                [sys.executable, "-c", CHILD_COMMAND, str(fd), *preload], pass_fds=(fd,), env=_child_env(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)  # Ctrl+C and terminal signals are the app's to handle
            self.conn = Connection(ours.detach())
        self._send_lock = threading.Lock()
        self.stop, self.paused, self.save_request = (RemoteEvent(self, name) for name in CONTROLS)
        self.taken = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def usable(self) -> bool:
        return not self.taken and self.alive()

    def send(self, message: tuple) -> None:
        """Send ``message`` (JSON-able) to the child (any thread); a child that is gone misses nothing it
        could use."""
        data = json.dumps(list(message)).encode("utf-8")
        with self._send_lock:
            try:
                self.conn.send_bytes(data)
            except OSError:
                pass

    def receive(self) -> tuple:
        """The child's next message; ChildEnded if it ends without one."""
        while True:
            try:
                if self.conn.poll(0.1):
                    return self.conn.recv()
            except (EOFError, OSError):
                pass  # the child closed its end: its exit status says why
            else:
                if self.alive():
                    continue
            code = self.process.wait()
            raise ChildEnded(
                f"the training process ended unexpectedly (exit code {code}); if it ran out of memory, "
                "try a smaller hidden size, batch or sequence length")

    def finish(self, timeout: float = FINISH_TIMEOUT_S) -> None:
        """Wait for the child to end (reading what it still sends), terminating it after ``timeout``."""
        deadline = time.monotonic() + timeout
        try:
            while self.alive() and time.monotonic() < deadline:
                if self.conn.poll(0.1):
                    self.conn.recv()  # keep the socket drained: a full one would block its last sends
        except (EOFError, OSError):
            pass
        self.discard(max(0.0, deadline - time.monotonic()))

    def discard(self, grace: float = 0.0) -> None:
        """End the child (after ``grace`` seconds at most) and close the socket."""
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.conn.close()


_spare_lock = threading.Lock()
_spare: Child | None = None


def warm_up(preload: tuple[str, ...]) -> None:
    """Start a spare child that imports ``preload`` now, for the next :func:`take` (any thread)."""
    global _spare
    with _spare_lock:
        if _spare is not None and _spare.usable() and _spare.preload == preload:
            return
        if _spare is not None:
            _spare.discard()
        _spare = Child(preload)


def take(preload: tuple[str, ...]) -> Child:
    """The spare child if it is alive and preloaded alike, else a new one."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is None or not child.usable() or child.preload != preload:
        if child is not None:
            child.discard()
        child = Child(preload)
    child.taken = True
    return child


def spare_ready() -> bool:
    """Whether a spare child has imported its modules (its "ready" is waiting): a run starts at once."""
    with _spare_lock:
        return _spare is not None and _spare.usable() and _spare.conn.poll(0)


def discard_spare() -> None:
    """Stop the spare child (the app is closing)."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None:
        child.discard()


def relay(child: Child, job: ChildJob, config: object) -> Iterator[object]:
    """Run ``job`` on ``config`` in ``child``; yield its events (a worker thread).

    The config must be the job's; it goes to the child as JSON, where ``from_json`` validates it again.
    Closed early (the app cancels its workers when it quits), it does not abandon the
    child: ``stop`` is set, and the child gets time to finish its step and write its
    checkpoint before it is terminated.
    """
    sent = ended = False
    try:
        if not isinstance(config, job.config_type):
            raise TypeError(f"the {job.name} job runs on a {job.config_type.__name__}, not {type(config).__name__}")
        data = config.to_json()
        while True:
            message = child.receive()
            if message[0] == "ready":
                child.send(("job", job.name, data))
                sent = True
            elif message[0] == "events":
                yield from message[1]
            elif message[0] == "done":
                ended = True
                return
            elif message[0] == "error":
                ended = True
                raise message[1]
    finally:
        if not sent:  # it never got its job: nothing to stop or save
            child.discard()
        else:
            if not ended:  # closed early: the app is quitting (its stop is set) or the worker was cancelled
                child.paused.clear()
                child.stop.set()
            child.finish()
