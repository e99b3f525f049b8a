"""SVG snapshots of the Analogies and Gradients screens at 80×24 and 120×40, fed deterministic data.

Analogies: the small fixed vectors of the pilot tests (never GloVe) for the answers and the debias
view, and GloVe 6B 50d's real per-section figures (restrict_vocab 30,000) as a scripted result for the
evaluation table. Gradients: scripted ribbons, race and exploding-gradient events. Nothing depends on
timing. Regenerate with ``pytest tests/explorer/test_snapshots_lessons.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from engine.embeddings.evaluate import AnalogyResult
from engine.embeddings.events import AnalogyEvaluated
from explorer.widgets.line_chart import LineChart
from tests.explorer.conftest import feed
from tests.explorer.test_analogies_screen import make_test_app as analogies_app
from tests.explorer.test_analogies_screen import settle, tiny_vectors
from tests.explorer.test_gradients_screen import exploding_events, profiles, race_events
from tests.explorer.test_gradients_screen import make_test_app as gradients_app
from tests.explorer.test_gradients_screen import settle as gradients_settle

SIZES = [(80, 24), (120, 40)]
GLOVE_SECTIONS = {  # `seq-explorer eval analogies` on GloVe 6B 50d, restrict_vocab 30,000
    "capital-common-countries": (403, 506), "capital-world": (2006, 2715), "currency": (31, 236),
    "city-in-state": (354, 2203), "family": (259, 342), "gram1-adjective-to-adverb": (127, 870),
    "gram2-opposite": (45, 380), "gram3-comparative": (699, 1332), "gram4-superlative": (202, 600),
    "gram5-present-participle": (397, 930), "gram6-nationality-adjective": (1362, 1445),
    "gram7-past-tense": (586, 1560), "gram8-plural": (680, 1056), "gram9-plural-verbs": (242, 702),
}


def _analogies():
    app = analogies_app(tiny_vectors())
    app.device_name = "cpu"
    return app


async def _ask(pilot, text: str) -> None:
    box = pilot.app.screen.query_one("#analogies-query")
    box.value = text
    box.cursor_position = len(text)
    await pilot.press("enter")
    await settle(pilot.app, pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_analogies_answer(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await _ask(pilot, "man : woman :: king : ?")

    assert snap_compare(_analogies(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_analogies_evaluation_table(snap_compare, size):
    """Every section with its figures and accuracy, the totals first; at 80 columns on the whole width."""

    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        await _ask(pilot, "man : woman :: king : ?")
        screen = app.screen
        screen._side("analogies-eval")  # as ctrl+r does, without running the real evaluation
        screen._eval_vectors, screen._eval_name = screen._vectors(), "tiny"
        correct = sum(c for c, _ in GLOVE_SECTIONS.values())
        total = sum(t for _, t in GLOVE_SECTIONS.values())
        result = AnalogyResult(total=correct / total, semantic=0.5087, syntactic=0.4890, sections=GLOVE_SECTIONS,
                               evaluated=total, skipped=4667)
        await feed(screen, [AnalogyEvaluated(result)], "analogies.eval")
        await pilot.pause()

    assert snap_compare(_analogies(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_analogies_debias_view(snap_compare, size):
    """The course's recipe: figures whole (no "+0.3…"), readable bars."""

    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await _ask(pilot, "man : woman :: king : ?")
        await pilot.press("ctrl+b")
        await settle(pilot.app, pilot)

    assert snap_compare(_analogies(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gradients_ribbons(snap_compare, size):
    """Token labels under their cells; the caption whole."""

    async def run_before(pilot):
        await gradients_settle(pilot.app, pilot)
        screen = pilot.app.screen
        screen.distance = 8  # the scripted sentence has 10 tokens: d + 2
        await feed(screen, profiles(), "gradients.ribbon")
        await pilot.pause()

    assert snap_compare(gradients_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gradients_race(snap_compare, size):
    async def run_before(pilot):
        await gradients_settle(pilot.app, pilot)
        screen = pilot.app.screen
        screen.query_one("#gradients-tabs").active = "tab-race"
        screen.query_one("#race-chart", LineChart).set_threshold(0.5)
        screen.distance = 20  # the scripted race's
        await feed(screen, race_events(), "gradients.race")
        screen._show_race_table(finished=True)  # as the run's end does
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(gradients_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gradients_exploding(snap_compare, size):
    async def run_before(pilot):
        await gradients_settle(pilot.app, pilot)
        screen = pilot.app.screen
        screen.query_one("#gradients-tabs").active = "tab-explode"
        await feed(screen, exploding_events(), "gradients.explode")
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(gradients_app(), run_before=run_before, terminal_size=size)
