"""The terminal driver: Textual's, except that a terminal that goes away ends the app.

When a terminal disappears without a SIGHUP (an SSH connection that died, a closed web
terminal, a tmux pane whose shell outlives the app), reading it returns end-of-file or EIO at
once, every time. Textual's input loop (``LinuxDriver.run_input_thread``, textual 8.2) then reads
again at once, forever: the app kept running at 100 % of a core with nobody to see it
(Textualize/textual#6690, still open). Here the loop stops at end of input, and the app exits
if the input was a terminal: stopping the runs first, so that a training run in its child
process writes its checkpoint.

The loop is Textual's own (MIT licence), with the end-of-input check added; it is only used on
the platforms where Textual would use ``LinuxDriver`` and when no driver is forced through
``TEXTUAL_DRIVER``.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver


class HangupSafeDriver(LinuxDriver):
    """``LinuxDriver`` whose input thread ends at end of input (and then ends the app on a terminal)."""

    input_ended = False
    """Set when the input reached its end (tests)."""

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(selector_events, final: bool = False) -> bool:
            """Feed what can be read to the parser; False at end of input."""
            for last, (_key, mask) in loop_last(selector_events):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(fileno, 1024 * 4)
                    except OSError:  # EIO: the terminal hung up
                        return False
                    if not data:  # end of input (a pipe, or a terminal that went away)
                        return False
                    for event in parser.feed(decode(data, final=final and last)):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not process(selector.select(0.1)):
                    self.input_ended = True
                    if self.input_tty:  # the terminal is gone: nobody can see or use the app
                        self._loop.call_soon_threadsafe(self._app.exit)
                    return
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
