"""Progress: which engine events only carry the latest value, and how often they reach the app.

Shared by the app's messages (:mod:`explorer.messages`) and its child runs (:mod:`explorer.child_runs`),
which must not import Textual. An event is progress when its class derives from
:class:`engine.events.ProgressEvent` (a training ``Step``, word2vec's ``Progress``, the analogy
evaluation's ``EvalProgress``, a scatter's ``Projected``). Such events may be batched (a child's
sends), coalesced and replaced (the app's messages); any other event is passed on at once, in order.
"""

from __future__ import annotations

from engine.events import ProgressEvent

PROGRESS_INTERVAL_S = 0.1
"""Progress reaches the app at most this often (a child's batches, the app's messages): the charts
and numbers repaint twice a second, and every wake-up of the app can preempt a training thread on
a small machine."""


def is_progress(event: object) -> bool:
    """Whether ``event`` only carries the latest value (see the module docstring)."""
    return isinstance(event, ProgressEvent)
