"""Work not needed for the app's first look starts right after the first frame.

Textual draws nothing until the first screen is composed and mounted, so the Train form's
~20 widgets and its buttons (about a third of the start-up time), model and vector loads, and
the spare training process wait for :meth:`explorer.app.SeqExplorerApp.after_first_frame`.
"""

from __future__ import annotations

from typing import Callable

from textual.dom import DOMNode


def after_first_frame(node: DOMNode, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the first frame is on the terminal; in any other app (tests
    mounting a widget alone), after the next refresh."""
    hook = getattr(node.app, "after_first_frame", None)
    if hook is None:
        node.call_after_refresh(callback)
    else:
        hook(callback)
