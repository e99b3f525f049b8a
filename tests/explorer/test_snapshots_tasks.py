"""SVG snapshots of the Tasks screen at 80×24 and 120×40: the bundled models (deterministic on the CPU)
reading the screen's first example sentence of each task (nplm: the bundled NPLM's next words and
neighbours in E), and the charts of a scripted run.
Regenerate with ``pytest tests/explorer/test_snapshots_tasks.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from engine.events import Started, Step
from engine.tasks.events import TaskEvaluated
from tests.explorer.conftest import feed
from tests.explorer.test_tasks_screen import make_test_app, settle

SIZES = [(80, 24), (120, 40)]


def _predict(task: str):
    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        app.screen.query_one("#task").value = task
        await pilot.pause()
        await pilot.press("n")
        await settle(app, pilot)

    return run_before


@pytest.mark.parametrize("task", ["sentiment", "ner", "dates", "nplm"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_prediction(snap_compare, size, task):
    assert snap_compare(make_test_app(), run_before=_predict(task), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_charts(snap_compare, size):
    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("c")
        events = [Started(total_steps=60, device="cpu", description="sentiment: LSTM")]
        events += [Step(step=s, total_steps=60, loss=0.7 - s / 200, smoothed_loss=0.7 - s / 200, grad_norm=1.0,
                        grad_norm_clipped=1.0, clipped=False, lr=2e-3, tokens_per_s=1000.0, elapsed_s=s / 10,
                        eta_s=1.0, clip_threshold=5.0, clip_mode="norm") for s in range(1, 61)]
        events[21:21] = [TaskEvaluated(step=20, val_loss=0.62, epoch=1, metric="accuracy", value=0.70)]
        events[42:42] = [TaskEvaluated(step=40, val_loss=0.55, epoch=2, metric="accuracy", value=0.75)]
        events.append(TaskEvaluated(step=60, val_loss=0.51, epoch=3, metric="accuracy", value=0.78, best=True))
        await feed(screen, events, "tasks.train")
        await pilot.pause()

    assert snap_compare(make_test_app(), run_before=run_before, terminal_size=size)
