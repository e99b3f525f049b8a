"""Ctrl+C during a headless run: the first one asks the engine to stop (it saves and ends), a second interrupts."""

from __future__ import annotations

import signal
import threading


class StopOnSigint:
    """Context manager: the first SIGINT sets ``stop``; a second raises ``KeyboardInterrupt`` at once.

    Installed only on the main thread (signal handlers cannot be set elsewhere); the
    previous handler is restored on exit.
    """

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.previous = None

    def __enter__(self) -> "StopOnSigint":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
