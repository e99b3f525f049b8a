"""The floor for bench/startup.py: a bare Textual app (a title line, a static, a footer).

Run as a script on a pty; with ``SEQ_EXPLORER_FIRST_FRAME_FILE`` set it writes the seconds
since ``SEQ_EXPLORER_T0`` at Ready (like the app) and exits half a second later.
"""

import os
import time

from textual.app import App
from textual.widgets import Footer, Static


class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Static("1 Train (a bare Textual app) · ? Help")  # the markers bench/startup.py waits for
        yield Footer()

    def on_ready(self) -> None:
        path = os.environ.get("SEQ_EXPLORER_FIRST_FRAME_FILE")
        if path:
            t0 = float(os.environ.get("SEQ_EXPLORER_T0", "0") or 0)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(f"{time.time() - t0:.4f} 0\n")
            self.set_timer(0.5, self.exit)


if __name__ == "__main__":
    Bare().run()
