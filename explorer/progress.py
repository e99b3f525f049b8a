"""Which engine events only carry progress (the latest value), shared by the app and its child runs.

Names, not classes, so that importing this imports neither the engine nor Textual (it is read at
start-up by :mod:`explorer.messages` and in a child process by :mod:`explorer.child_runs`).
Such events may be batched (a child's sends), coalesced and replaced (the app's messages); any
other event is passed on at once, in order.
"""

PROGRESS_EVENTS: frozenset[str] = frozenset({"Step", "Progress", "WordsStep", "Projected"})
PROGRESS_INTERVAL_S = 0.1
"""Progress reaches the app at most this often (a child's batches, the app's messages): the charts
and numbers repaint twice a second, and every wake-up of the app can preempt a training thread on
a small machine."""
