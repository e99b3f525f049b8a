"""Pilot tests of the Gradients screen, fed scripted engine events (its snapshots, at 80×24 and
120×40, are in test_snapshots_lessons.py)."""

from __future__ import annotations

import math
import threading

import pytest
from rich.style import Style

from engine.errors import InputError
from engine.events import Finished, Started
from engine.gradients.events import (
    AgreementEvaluated,
    AgreementModel,
    ExplodingDiverged,
    ExplodingStarted,
    ExplodingStep,
    GradientsThroughTime,
    LayerNorms,
)
from explorer.app import make_app
from explorer.widgets.gradient_ribbon import GradientRibbon, RibbonRender, RibbonRow, log_range
from explorer.widgets.line_chart import LineChart
from tests.explorer.conftest import feed, settle

SIZE = (110, 34)
TOKENS = ("the", "cats", "which", "already", "ate", "the", "old", "fish", "yesterday", "quickly")


def make_test_app(checkpoint: str | None = None):
    app = make_app(screen="gradients", checkpoint=checkpoint, preload_torch=False, options={"autoload": False})
    app.device_name = "cpu"
    return app


def profiles() -> list[GradientsThroughTime]:
    """Deterministic ribbons: the RNN decays 10× per step back, GRU 1.5×, LSTM a 1.2×, c 1.05×."""
    T = len(TOKENS)

    def decay(f):
        return tuple(f ** -(T - 1 - t) for t in range(T))

    return [
        GradientsThroughTime("rnn", "bptt", TOKENS, (LayerNorms(1, decay(10.0)),), 16, 0.69),
        GradientsThroughTime("gru", "autograd", TOKENS, (LayerNorms(1, decay(1.5)),), 16, 0.70),
        GradientsThroughTime("lstm", "bptt", TOKENS, (LayerNorms(1, decay(1.2), decay(1.05)),), 16, 0.68),
    ]


def race_events() -> list[object]:
    events: list[object] = [Started(total_steps=100, device="cpu", description="agreement d=20")]
    sizes = {"rnn": (39, 2943), "gru": (20, 2962), "gru-course": (20, 2962), "lstm": (16, 2850)}
    events += [AgreementModel(c, h, p, 3000) for c, (h, p) in sizes.items()]
    for step in range(10, 101, 10):
        for c in sizes:
            acc = 0.5 + (0.0 if c == "rnn" else min(0.5, step / 120))
            events.append(AgreementEvaluated(c, step, 100, 20, acc, 0.7 - (acc - 0.5), 0.69))
    events.append(Finished(step=100, reason="completed"))
    return events


def exploding_events() -> list[object]:
    events: list[object] = [ExplodingStarted(1.3, ("none", "value", "norm"), 0.1, 1.0, 40, 0.01)]
    for step in range(1, 41):
        for mode in ("none", "value", "norm"):
            if mode == "none" and step > 2:
                if step == 3:
                    events.append(ExplodingDiverged("none", 3, math.nan, math.nan))
                continue
            grad = 2000.0 * 0.8 ** step + 0.5
            after = {"none": grad, "value": min(grad, 30.0), "norm": min(grad, 1.0)}[mode]
            loss = 8.0 * 0.9 ** step + 1.0 if mode != "none" else 8.0 * 1e12 ** (step - 1)
            events.append(ExplodingStep(mode, step, 40, loss, grad, after, after < grad,
                                        {"none": None, "value": 0.1, "norm": 1.0}[mode], grad / 10))
    events.append(Finished(step=40, reason="completed"))
    return events


# ---------------------------------------------------------------- the ribbon widget, without an app


def test_ribbon_render_log_scale_and_ratio():
    rows = [RibbonRow("rnn", (1e-6, 1e-3, 1.0)), RibbonRow("lstm", (0.5, 0.7, 1.0))]
    assert log_range(rows) == (-6.0, 0.0)
    lines = RibbonRender(rows, ("a", "b", "c"), 60).lines()
    text = "\n".join(line.plain for line in lines)
    assert "1.0e-06" in text and "5.0e-01" in text  # ‖da⟨1⟩‖/‖da⟨T⟩‖ per row
    assert "1e-6" in text and "1e0" in text  # legend ends
    # every step cell has a background colour; the darkest is the RNN's first step
    rnn_line = lines[2]
    colours = [span.style.bgcolor for span in rnn_line.spans if hasattr(span.style, "bgcolor") and span.style.bgcolor]
    assert len(colours) == 3 and colours[0] != colours[-1]
    assert RibbonRender([], (), 40).lines()[0].plain == "no gradients yet"


def _cell_starts(line) -> list[int]:
    """Columns where the coloured cells of a ribbon line start."""
    return [span.start for span in line.spans if isinstance(span.style, Style) and span.style.bgcolor is not None]


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160])
@pytest.mark.parametrize("distance", [2, 5, 20, 40])
def test_token_labels_start_in_their_cells_column(width, distance):
    """The label of token i starts at the column of cell i, at any width (80 included)."""
    from engine.gradients.agreement import AgreementTask

    tokens = AgreementTask(distance).examples(1, 3)[0].inputs
    rows = [RibbonRow("gru a (autograd)", tuple(1.5 ** -k for k in range(len(tokens)))), RibbonRow("lstm c", (1.0,) * len(tokens))]
    for row_height in (1, 2):
        render = RibbonRender(rows, tokens, width - 2, row_height=row_height, marked=(1,))  # padding 0 1
        lines = render.lines()
        starts = _cell_starts(lines[1])
        assert len(starts) == len(tokens) and starts == [render.cell_column(i) for i in range(len(tokens))]
        assert all(line.cell_len <= width - 2 for line in lines)
        label_lines = [line.plain for line in lines if line.plain.startswith("tokens")]
        first = next(i for i, line in enumerate(lines) if line.plain.startswith("tokens"))
        placed = render.token_placements()
        assert 1 <= len(placed) <= 3 and label_lines
        shown = set()
        for k, line_placed in enumerate(placed):
            text = lines[first + k].plain
            for i, column, label in line_placed:
                assert column == starts[i]  # the label's column is its cell's
                assert text[column:column + len(label)] == label
                assert column == 0 or text[column - 1] == " "
                assert label == tokens[i] or label.endswith("…") and tokens[i].startswith(label[:-1])
                shown.add(i)
        assert 1 in shown  # the subject is always labelled
        if render.cell_width() >= 3:
            assert shown == set(range(len(tokens)))  # every token, when the cells give the room


def test_ribbon_marks_zero_and_nan_steps():
    text = "\n".join(t.plain for t in RibbonRender([RibbonRow("x", (0.0, math.nan, 1.0))], ("a", "b", "c"), 40).lines())
    assert "·" in text


def test_text_panels():
    from explorer.screens.gradients_text import explode_info, grad_point, race_table, ribbon_caption, ribbon_info

    table = race_table(20, 5, 300, {"rnn": {"hidden": 39, "parameters": 2943},
                                    "lstm": {"hidden": 16, "parameters": 2850, "accuracy": 0.75}},
                       ("rnn", "gru", "lstm"), "running")
    lines = table.splitlines()
    assert "d = [b]20[/]" in lines[0] and "running" in lines[0] and len(lines) == 3
    assert "accuracy   –" in lines[1] and lines[2].endswith("█" * 10)  # (0.75 − 0.5)·40 blocks
    assert "[b u]cats[/]" in ribbon_info(20, "fresh", TOKENS, "agreement")
    assert "next token" in ribbon_info(20, "lm", ("·", "a"), "text")
    assert "verb" not in ribbon_caption("text") and "next token" in ribbon_caption("text")
    assert "verb" in ribbon_caption("agreement")
    assert "press [b]e[/]" in explode_info({}, "norm", {}, False)
    step = ExplodingStep("value", 3, 10, 1.0, 50.0, 2.0, True, 0.1, 7.0)
    assert grad_point(step) == (3, 7.0, 0.1, True)  # by value: max |gᵢ| against N
    assert grad_point(ExplodingStep("norm", 3, 10, 1.0, 50.0, 1.0, True, 1.0, 7.0)) == (3, 50.0, 1.0, True)


# ---------------------------------------------------------------- pilot


async def test_scripted_events_fill_every_tab():
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "GradientsScreen"
        await feed(screen, profiles(), "gradients.ribbon")
        labels = [r.label for r in screen.query_one(GradientRibbon).rows]
        assert labels == ["rnn a (bptt)", "gru a (autograd)", "lstm a (bptt)", "lstm c"]
        await feed(screen, race_events(), "gradients.race")
        chart = screen.query_one("#race-chart", LineChart)
        assert len(chart.series["lstm"].points) == 10
        table = str(screen.query_one("#race-table").render())
        assert "rnn" in table and "accuracy 1.000" in table and "accuracy 0.500" in table
        await feed(screen, exploding_events(), "gradients.explode")
        grad = screen.query_one("#explode-grad", LineChart)
        assert grad.threshold == 1.0  # clip by norm is selected first
        assert all(y <= 1.0 for _, y in grad.series["after"].points)
        assert "diverged at step 3" in str(screen.query_one("#explode-info").render())


async def test_clip_mode_key_switches_the_threshold():
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await feed(screen, exploding_events(), "gradients.explode")
        grad = screen.query_one("#explode-grad", LineChart)
        await pilot.press("m")  # norm -> none
        assert screen.clip_mode == "none" and grad.threshold is None
        assert len(grad.series["before clipping"].points) == 2  # the unclipped run died at step 3
        await pilot.press("m")  # none -> value
        assert screen.clip_mode == "value" and grad.threshold == 0.1
        assert all(y <= 30.0 for _, y in grad.series["after"].points)
        assert screen.query_one("#gradients-tabs").active == "tab-explode"


async def test_g_computes_real_ribbons_and_plus_lengthens_the_gap():
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        ribbon = app.screen.query_one(GradientRibbon)
        assert [r.label for r in ribbon.rows] == ["rnn a (bptt)", "gru a (autograd)", "lstm a (bptt)", "lstm c"]
        assert len(ribbon.tokens) == 42  # d = 40 by default (the race's), Tx = d + 2
        rnn = ribbon.rows[0].values
        assert rnn[0] < 1e-3 * rnn[-1]  # a fresh RNN's gradient vanishes across the gap
        await pilot.press("minus")
        await settle(app, pilot)
        assert app.screen.distance == 20 and len(ribbon.tokens) == 22
        lstm_c = ribbon.rows[3].values
        await pilot.press("b")  # gates biased to remember: the LSTM's c path keeps the gradient
        await settle(app, pilot)
        assert app.screen.gate_bias == 5.0
        biased_c = ribbon.rows[3].values
        assert biased_c[1] / biased_c[-1] > 0.1 > 1e3 * lstm_c[1] / lstm_c[-1]
        assert "gate bias 5" in ribbon.title


async def test_text_box_gives_language_model_ribbons(tiny_checkpoint):
    app = make_test_app(tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        assert app.focused is not None and app.focused.id == "ribbon-text"
        await pilot.press(*"stegosaurus", "enter")
        await settle(app, pilot)
        ribbon = app.screen.query_one(GradientRibbon)
        assert [r.label for r in ribbon.rows] == ["lstm a (bptt)", "lstm c"]
        assert ribbon.tokens == ("·", *"stegosauru")
        caption = str(app.screen.query_one("#ribbon-caption").render())
        assert "next token" in caption and "verb" not in caption  # the text mode's own caption
        assert ribbon.marked == ()  # no subject to underline in a text
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("m")  # keys act on the screen again
        assert app.screen.clip_mode == "none"
        await pilot.press("g")  # back to the agreement sentence: its caption again
        await settle(app, pilot)
        assert "verb" in str(app.screen.query_one("#ribbon-caption").render())
        assert app.screen.query_one(GradientRibbon).marked == (1,)


async def test_race_runs_through_start_run_and_stop_dims(monkeypatch):
    import engine.gradients.agreement_training as training

    seen = {}

    def fake_train(config, stop):
        seen["config"] = config
        yield from race_events()

    monkeypatch.setattr(training, "train_agreement", fake_train)
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.check_action("stop", ()) is None  # nothing to stop yet
        await pilot.press("minus")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert seen["config"].distance == 20 and seen["config"].profile
        defaults = type(seen["config"])()
        for name in ("steps", "budget", "gate_bias", "eval_size", "attractors", "learning_rate", "batch_size"):
            assert getattr(seen["config"], name) == getattr(defaults, name), name  # the command line's defaults
        assert not screen.racing
        assert "finished" in str(screen.query_one("#race-table").render())
        assert screen.query_one("#gradients-tabs").active == "tab-race"


async def test_stop_key_stops_a_running_demo(monkeypatch):
    import engine.gradients.exploding as exploding

    started = threading.Event()

    def endless(config, stop):
        yield exploding_events()[0]
        started.set()
        step = 0
        while not stop.is_set():
            step += 1
            yield ExplodingStep("norm", step, 10**6, 1.0, 2.0, 1.0, True, 1.0, 0.3)
            stop.wait(0.01)
        yield Finished(step=step, reason="stopped")

    monkeypatch.setattr(exploding, "run_exploding", endless)
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert started.wait(10)
        await pilot.pause()
        assert app.screen.exploding and app.screen.check_action("stop", ()) is True
        await pilot.press("x")
        await settle(app, pilot)
        assert not app.screen.exploding


async def test_engine_error_becomes_a_dialog(monkeypatch):
    import engine.gradients.agreement_training as training

    def broken(*args, **kwargs):
        raise InputError("distance must be an integer in 1..1000, got 0")

    monkeypatch.setattr(training, "example_profiles", broken)
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ErrorDialog"
