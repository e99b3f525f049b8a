"""Ctrl+C during a headless run: the first one asks the engine to stop (it saves and ends), a second interrupts.

A second Ctrl+C that arrives while a checkpoint is being written waits for that save (it takes
moments, and abandoning it would lose the work since the previous checkpoint); a third one
interrupts even then. Either way no half checkpoint is left: a save is one atomic step
(:mod:`engine.checkpoint`, :mod:`engine.atomic_files`), and an interrupted one leaves the previous checkpoint as it was.
"""

from __future__ import annotations

import signal
import sys
import threading


def _save_in_progress() -> bool:
    saves = sys.modules.get("engine.atomic_files")  # never imported here: --help stays torch-free
    return saves is not None and saves.save_in_progress()


class StopOnSigint:
    """Context manager: the first SIGINT sets ``stop``; a second raises ``KeyboardInterrupt`` at once,
    unless a checkpoint is being saved (then it is noted, and the save finishes; one more interrupts).

    Installed only on the main thread (signal handlers cannot be set elsewhere); the
    previous handler is restored on exit.
    """

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.previous = None
        self.spared_save = False

    def __enter__(self) -> "StopOnSigint":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if not self.stop.is_set():
            self.stop.set()
            return
        if _save_in_progress() and not self.spared_save:
            self.spared_save = True
            print("seq-explorer: finishing the checkpoint being saved (Ctrl+C again to abandon it)", file=sys.stderr)
            return
        raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
