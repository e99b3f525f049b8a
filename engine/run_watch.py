"""Follow a run started elsewhere: tail its folder's ``metrics.jsonl`` and turn the lines back into events.

Public API::

    tail_metrics(run_dir, stop=None, poll_s=0.25, follow=True) -> Iterator[Event]
    event_from_record(record: dict) -> Event | None
    Waiting(path, reason), Restarted(path), Skipped(line_number, reason)     # the watcher's own events

A training run writes one JSON object a line to ``<run_dir>/metrics.jsonl``
(:func:`engine.checkpoint.event_record`): the language model's events (``Started``, ``Step``,
``Evaluated``, ``Sampled``, ``Saved``, ``Diverged``, ``Finished`` of :mod:`engine.events`) and, from
``word2vec train`` / ``glove train``, those of :mod:`engine.embeddings.train_events`, tagged
``"source": "word2vec"`` or ``"glove"``. :func:`tail_metrics` yields the same frozen events, so
whatever shows a live run (the Train screen's charts) shows a watched one — for example rank 0
of a ``torchrun`` run on another machine writing to a shared folder.

Robust to what a file being written looks like from outside:

- **not started yet**: no folder or no file → one ``Waiting`` event, then it polls until the file
  appears;
- **a partial last line** (the writer is mid-line): held back until its newline arrives;
- **rotation**: the file replaced (another inode) or truncated (shorter than what was read) → a
  ``Restarted`` event, then the new file from its first line;
- **a damaged line** (not JSON, an unknown event): a ``Skipped`` event, and reading goes on.

``stop`` (a ``threading.Event``) ends the generator at the next poll; ``follow=False`` reads what
is there and returns (a replay).
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

from engine import events as lm_events
from engine.embeddings import train_events as w2v_events
from engine.events import Event

METRICS_FILE = "metrics.jsonl"


@dataclass(frozen=True)
class Waiting(Event):
    """Nothing to read yet: the folder or its metrics file does not exist (yet)."""

    path: str
    reason: Literal["no-folder", "no-metrics"]


@dataclass(frozen=True)
class Restarted(Event):
    """The metrics file was replaced or truncated (a new run in the same folder): reading from its top."""

    path: str


@dataclass(frozen=True)
class Skipped(Event):
    """Line ``line_number`` could not be turned into an event (``reason`` says why); reading goes on."""

    line_number: int
    reason: str


_LM = {cls.__name__: cls for cls in (lm_events.Started, lm_events.Step, lm_events.Evaluated, lm_events.Sampled,
                                     lm_events.Saved, lm_events.Diverged, lm_events.Finished)}
_EMBEDDINGS = {cls.__name__: cls for cls in (w2v_events.Started, w2v_events.Progress, w2v_events.EpochFinished,
                                             w2v_events.Finished)}
_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _value(name: str, value: Any) -> Any:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]  # event_record writes non-finite floats as strings
    if name == "samples" and isinstance(value, list):
        return tuple(lm_events.Sample(**s) if isinstance(s, dict) else lm_events.Sample(str(s)) for s in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def event_from_record(record: dict[str, Any]) -> Event | None:
    """The frozen event a ``metrics.jsonl`` record stands for; None for an unknown kind."""
    table = _EMBEDDINGS if record.get("source") in ("word2vec", "glove") else _LM
    cls = table.get(str(record.get("event")))
    if cls is None:
        return None
    values = {f.name: _value(f.name, record[f.name]) for f in dataclasses.fields(cls) if f.name in record}
    if cls is w2v_events.Finished:
        values.setdefault("vectors", None)  # the vectors are in the folder, not in the metrics
    return cls(**values)


def tail_metrics(run_dir: str | os.PathLike, stop: threading.Event | None = None, poll_s: float = 0.25,
                 follow: bool = True) -> Iterator[Event]:
    """Yield the events of ``run_dir/metrics.jsonl`` as it grows (see the module docstring)."""
    stop = stop or threading.Event()
    folder = Path(run_dir).expanduser()
    path = folder / METRICS_FILE
    handle = None
    inode = None
    position = line_number = 0
    pending = b""
    waiting: str | None = None
    try:
        while not stop.is_set():
            try:
                info = os.stat(path)
            except FileNotFoundError:
                reason = "no-folder" if not folder.is_dir() else "no-metrics"
                if reason != waiting:
                    waiting = reason
                    yield Waiting(path=str(path), reason=reason)
                if not follow:
                    return
                stop.wait(poll_s)
                continue
            waiting = None
            if handle is not None and (info.st_ino != inode or info.st_size < position):
                handle.close()
                handle, pending, position, line_number = None, b"", 0, 0
                yield Restarted(path=str(path))
            if handle is None:
                handle = open(path, "rb")
                inode = os.fstat(handle.fileno()).st_ino
            chunk = handle.read()
            position += len(chunk)
            if chunk:
                pending += chunk
                *lines, pending = pending.split(b"\n")  # the last piece has no newline yet: keep it
                for raw in lines:
                    line_number += 1
                    if raw.strip():
                        yield _parse(raw, line_number)
                continue
            if not follow:
                return
            stop.wait(poll_s)
    finally:
        if handle is not None:
            handle.close()


def _parse(raw: bytes, line_number: int) -> Event:
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Skipped(line_number=line_number, reason="not a JSON line")
    if not isinstance(record, dict):
        return Skipped(line_number=line_number, reason="not a JSON object")
    try:
        event = event_from_record(record)
    except TypeError as exc:  # fields missing or unexpected
        return Skipped(line_number=line_number, reason=f"{record.get('event')}: {exc}")
    return event if event is not None else Skipped(line_number=line_number, reason=f"unknown event {record.get('event')!r}")
