"""The Gates screen as a learner meets it: paging at 80×24, what follows a model switch, the run just
trained, the bundled basic RNN, a bidirectional task model's two directions; and the Train form's cells."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.lm.correlate import correlate_pattern
from explorer.model_choice import ModelChoice
from explorer.screens.gates import GatesScreen
from explorer.widgets.equation_panel import EquationPanel, filled_equations, wrap_formula
from tests.explorer.conftest import settle
from tests.explorer.test_gates import traced

NER_WORDS = "he said , teddy roosevelt was a great president bears are on sale".split()


@pytest.fixture(scope="session")
def ner_bilstm(tmp_path_factory) -> str:
    """A seeded, untrained bidirectional LSTM tagger (n_a = 4) saved as an NER task checkpoint."""
    from engine.tasks.config import TaskConfig
    from engine.tasks.ner import NERTask
    from engine.tasks.ner_data import WNUT_TAGS
    from engine.tasks.vocab import TokenVocab

    torch.manual_seed(0)
    cfg = TaskConfig(task="ner", cell="lstm", hidden=4, bidirectional=True, embedding_dim=6, device="cpu")
    vocabs = {"words": TokenVocab(NER_WORDS), "tags": TokenVocab(list(WNUT_TAGS), specials=())}
    info = {"embedding_dim": 6, "data": "wnut17", "train_examples": 0}
    task = NERTask(cfg, NERTask._model_from(cfg.for_task(), vocabs, info), vocabs, info)
    path = tmp_path_factory.mktemp("ner") / "ner-bilstm"
    task.save(path)
    return str(path)


async def until(app, pilot, check, rounds: int = 8) -> None:
    for _ in range(rounds):
        await settle(app, pilot, 2)
        if check():
            return


# ---------------------------------------------------------------- 80×24: every gate reachable


async def test_page_down_and_up_move_through_the_heatmaps_at_80x24(app_factory, tiny_checkpoint):
    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await traced(app, pilot)
        maps = screen.query_one("#maps")
        assert len(screen.heatmaps) == 6 and maps.scroll_y == 0
        row = screen.heatmaps[0].outer_size.height
        assert row == 8 and maps.size.height >= 2 * row  # two whole heatmaps a page
        shown = lambda: [h.title for h in screen.heatmaps if maps.scroll_y <= h.virtual_region.y < maps.scroll_y + 16]  # noqa: E731
        assert shown() == ["Γu update", "Γf forget"]
        await pilot.press("pagedown")
        await pilot.pause()
        assert maps.scroll_y == 2 * row and shown() == ["Γo output", "c̃ candidate"]
        await pilot.press("pagedown")
        await pilot.pause()
        assert shown()[-1] == "a state"
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert maps.scroll_y == 0
        assert "PgDn more gates" in str(screen.query_one("StatusBar").render())


def test_formulas_are_cut_at_operators_never_inside_a_term():
    line = "c⟨1⟩ = Γu·c̃ + Γf·c⟨0⟩ = 0.51·(-0.05) + 0.54·0.00 = -0.03"
    assert wrap_formula(line, 80) == [line]
    assert wrap_formula(line, 34, "  ") == ["  c⟨1⟩ = Γu·c̃ + Γf·c⟨0⟩", "    = 0.51·(-0.05) + 0.54·0.00", "    = -0.03"]
    gru = "c̃⟨t⟩ = tanh(W_in x⟨t⟩ + b_in + Γr ∗ (W_hn a⟨t−1⟩ + b_hn))"
    assert wrap_formula(gru, 34, "  ") == ["  c̃⟨t⟩ = tanh(W_in x⟨t⟩ + b_in", "    + Γr ∗ (W_hn a⟨t−1⟩ + b_hn))"]
    for width in (24, 30, 34, 40):
        for text in (line, gru):
            pieces = wrap_formula(text, width)
            assert width < 30 or all(len(p) <= width for p in pieces)
            assert "".join(pieces).replace(" ", "") == text.replace(" ", "")  # only line breaks added


# ---------------------------------------------------------------- stale panels


async def test_found_units_follow_a_model_switch_and_the_typed_text_stays(app_factory, tiny_checkpoint):
    from textual.widgets import Select

    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await traced(app, pilot)
        await pilot.press("t")
        screen.query_one("#trace-text").value = ""
        await pilot.press(*"sauros", "enter")
        await settle(app, pilot, 3)
        await pilot.press("slash", "s", "enter")
        await pilot.pause()
        old = correlate_pattern(screen.tokens, screen.current_layer().a[0], "s")
        assert screen.unit == old[0][0]
        screen.query_one("#model", Select).value = "bundled:dinos-gru"
        await until(app, pilot, lambda: screen.info.cell == "gru-course" and screen.trace.cell == "gru-course")
        assert screen.query_one("#trace-text").value == "sauros"  # typed: kept
        assert screen.tokens == list("sauros") + ["<eos>"]
        best = correlate_pattern(screen.tokens, screen.current_layer().a[0], "s")
        matches = str(screen.query_one("#matches").render())
        assert "units tracking /s/" in matches
        assert matches.splitlines()[-1].strip() == "  ".join(f"{u}: {r:+.2f}" for u, r in best)
        assert screen.unit == best[0][0] and screen.current_layer().a.shape[2] == 50


async def test_a_default_text_follows_the_model(app_factory, tiny_checkpoint):
    """Not typed: the text is the model's own example (a dinosaur name, a Shakespeare line)."""
    from textual.widgets import Select

    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await traced(app, pilot)
        assert screen.query_one("#trace-text").value == "tyrannosaurus"
        screen.query_one("#model", Select).value = "bundled:shakespeare-lstm"
        await until(app, pilot, lambda: screen.info.corpus == "shakespeare" and screen.tokens[0] == "F")
        assert screen.query_one("#trace-text").value.startswith("First Citizen:")


# ---------------------------------------------------------------- the run just trained


async def test_gates_opens_on_the_run_just_trained_and_m_goes_back_to_a_bundled_model(app_factory, tiny_checkpoint):
    app = app_factory("train", autoload=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.current_model = ModelChoice(tiny_checkpoint, "trained", 800)  # as the Train screen does on Finished
        await pilot.press("2")
        screen = app.screen
        await until(app, pilot, lambda: screen.traced and screen.loaded_choice == tiny_checkpoint)
        assert isinstance(screen, GatesScreen) and screen.info.path == tiny_checkpoint
        label = str(screen.query_one("#gates-model").render())
        assert "your run, step 800 · char lstm 1×8" in label
        assert "m model" in str(screen.query_one("StatusBar").render())
        await pilot.press("m")
        select = screen.query_one("#model")
        assert select.expanded and select.has_focus_within
        select.value = "bundled:dinos-rnn"
        await until(app, pilot, lambda: screen.info is not None and screen.info.cell == "rnn" and screen.traced)
        assert app.current_model == ModelChoice("bundled:dinos-rnn", "bundled")


# ---------------------------------------------------------------- the bundled basic RNN


async def test_the_bundled_rnn_shows_z_and_a_equals_tanh_z(app_factory):
    app = app_factory("gates", checkpoint="bundled:dinos-rnn")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await traced(app, pilot)
        await until(app, pilot, lambda: screen.traced)
        assert screen.info.cell == "rnn" and screen.info.hidden == 50
        assert [h.title for h in screen.heatmaps] == ["z pre-activation", "a state"]
        layer = screen.current_layer()
        np.testing.assert_allclose(np.tanh(layer.z), layer.a, atol=1e-6)
        await pilot.press("right", "right", "down")
        us = screen.query_one(EquationPanel).unit_step
        assert us.z == pytest.approx(float(layer.z[0, 2, 1]))
        lines = filled_equations(us)
        assert lines[1].startswith("z⟨3⟩ = W_a[a⟨2⟩, x⟨3⟩] + b_a = ")
        assert lines[2].startswith("a⟨3⟩ = tanh(z⟨3⟩) = tanh(") and not any("differs" in ln for ln in lines)


def test_dinos_rnn_is_bundled_everywhere_the_others_are():
    from engine.assets import BUNDLED_CHECKPOINTS
    from explorer import model_choice
    from explorer.jobs import lm as lm_jobs

    assert "dinos-rnn" in BUNDLED_CHECKPOINTS
    assert "bundled:dinos-rnn" in [c.path for c in model_choice.choices(None)]
    loaded = lm_jobs.load_model("bundled:dinos-rnn")  # Generate's loader
    assert loaded.info.cell == "rnn" and loaded.info.corpus == "dinos" and loaded.info.level == "char"


# ---------------------------------------------------------------- a bidirectional task model


def torch_reference(task, text: str):
    """→a, ←a and the ← update gate Γu of the tagger's layer 1, from torch.nn.LSTM (the ← one run on
    the reversed input, then put back in the words' order) — not the engine's recording."""
    _, x = task._trace_inputs(text)  # (1, T, n_x)
    enc = task.encoder
    out = {}
    for direction, inp in (("forward", x), ("backward", x.flip(1))):
        ref = torch.nn.LSTM(x.shape[2], enc.hidden_size, batch_first=True)
        ref.load_state_dict(enc.recurrent(1, direction).state_dict())
        with torch.no_grad():
            a, _ = ref(inp)
            H = enc.hidden_size
            prev = torch.cat([torch.zeros(1, 1, H), a[:, :-1]], 1)
            pre = inp @ ref.weight_ih_l0.T + ref.bias_ih_l0 + prev @ ref.weight_hh_l0.T + ref.bias_hh_l0
            update = torch.sigmoid(pre[..., :H])  # torch's input gate i is the course's Γu
        if direction == "backward":
            a, update = a.flip(1), update.flip(1)
        out[direction] = (a[0].numpy(), update[0].numpy())
    return out


async def test_a_bidirectional_tagger_shows_both_directions_checked_against_torch(app_factory, ner_bilstm):
    app = app_factory("gates", checkpoint=ner_bilstm)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await traced(app, pilot)
        await until(app, pilot, lambda: screen.traced)
        assert screen.info.task == "ner" and screen.info.bidirectional
        assert "ner bi-lstm 1×4" in str(screen.query_one("#gates-model").render())
        assert screen.tokens == "He said , Teddy Roosevelt was a great President".split()
        titles = [h.title for h in screen.heatmaps]
        assert titles[:4] == ["→Γu t = 1…T", "←Γu t = T…1", "→Γf t = 1…T", "←Γf t = T…1"]
        assert titles[-2:] == ["→a t = 1…T", "←a t = T…1"]
        # → and ← of one gate side by side: same grid row
        assert screen.heatmaps[0].region.y == screen.heatmaps[1].region.y < screen.heatmaps[2].region.y
        ref = torch_reference(screen.model, " ".join(screen.tokens))
        maps = {h.name: h.values for h in screen.heatmaps}
        for direction in ("forward", "backward"):
            a, update = ref[direction]
            np.testing.assert_allclose(maps[f"{direction}:a"], a, atol=1e-5)
            np.testing.assert_allclose(maps[f"{direction}:update"], update, atol=1e-5)
        # d: the equations and the coloured text follow ←, whose previous state is ⟨t+1⟩
        await pilot.press("right", "right", "d")
        await pilot.pause()
        assert screen.current_layer().direction == "backward"
        panel = screen.query_one(EquationPanel)
        assert panel.unit_step.backward and panel.heading == "· ← t = T…1"
        lines = filled_equations(panel.unit_step)
        assert any(line.startswith("c⟨3⟩ = Γu·c̃ + Γf·c⟨4⟩") for line in lines)
        assert not any("differs" in line for line in lines)
        assert panel.unit_step.a == pytest.approx(float(ref["backward"][0][2, 0]), abs=1e-5)


# ---------------------------------------------------------------- the Train form


async def test_train_offers_the_basic_rnn_and_explains_why_not_bidirectional(app_factory):
    from textual.widgets import Checkbox, Select

    from explorer.widgets.train_form import BIDIRECTIONAL_NOTE, BIDIRECTIONAL_WHY
    from tests.explorer.conftest import form_ready

    app = app_factory("train")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await form_ready(app, pilot)
        cell = form.query_one("#cell", Select)
        assert "rnn" in [value for _label, value in cell._options]
        cell.value = "rnn"
        await pilot.pause()
        config = app.screen.build_config(form.values())
        assert config.cell == "rnn"
        box = form.query_one("#bidirectional", Checkbox)
        assert box.disabled and not box.value and not box.focusable
        assert str(form.query_one("#bidirectional-note").render()) == BIDIRECTIONAL_NOTE
        assert "Tasks screen (key 7)" in BIDIRECTIONAL_WHY and "predict" in BIDIRECTIONAL_WHY
