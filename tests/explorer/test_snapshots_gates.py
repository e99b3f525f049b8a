"""SVG snapshots of the Gates screen at 80×24 and 120×40, fed scripted traces (no model, no timing):
an LSTM (step 4, unit 2), a bidirectional LSTM tagger (→ and ← side by side, the equations following
←) and the basic RNN (z and a = tanh z). Update with
``.venv/bin/python -m pytest tests/explorer/test_snapshots_gates.py --snapshot-update``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.recurrent.kinds import KINDS
from engine.recurrent.trace import LayerTrace, Trace
from tests.explorer.test_gates import lstm_layer
from tests.explorer.test_snapshots_core import INFO, app

SIZES = [(80, 24), (120, 40)]
TAGGER = dataclasses.replace(INFO, path="runs/ner-bilstm", hidden=6, level="word", corpus="wnut17",
                             bidirectional=True, task="ner")
RNN = dataclasses.replace(INFO, path="assets/checkpoints/dinos-rnn", cell="rnn", hidden=12,
                          variant_note=KINDS["rnn"].note, equations=KINDS["rnn"].equations)


def rnn_layer(T: int, H: int, seed: int = 5) -> LayerTrace:
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, (1, T, H))
    return LayerTrace(1, "forward", np.zeros((1, T, 2)), np.zeros((1, H)), None, np.tanh(z), None, {}, z=z)


async def _show(pilot, info, tokens, trace, keys=()) -> None:
    screen = pilot.app.screen
    screen.show_model_info(info)
    screen.show_trace(tokens, trace)
    await pilot.pause()
    await pilot.press(*keys)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gates_lstm(snap_compare, size):
    tokens = list("tyrannosaurus") + ["<eos>"]
    trace = Trace("lstm", (lstm_layer("forward", T=len(tokens), H=12, seed=3),))

    async def run_before(pilot):
        await _show(pilot, INFO, tokens, trace, ("right", "right", "right", "down", "down"))

    assert snap_compare(app("gates"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gates_bidirectional_tagger(snap_compare, size):
    tokens = "He said , Teddy Roosevelt was a great President".split()
    T = len(tokens)
    trace = Trace("lstm", (lstm_layer("forward", T=T, H=6, seed=1), lstm_layer("backward", T=T, H=6, seed=2)))

    async def run_before(pilot):
        await _show(pilot, TAGGER, tokens, trace, ("right", "right", "right", "d"))

    assert snap_compare(app("gates"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gates_basic_rnn(snap_compare, size):
    tokens = list("tyrannosaurus") + ["<eos>"]

    async def run_before(pilot):
        await _show(pilot, RNN, tokens, Trace("rnn", (rnn_layer(len(tokens), 12),)), ("right", "right", "down"))

    assert snap_compare(app("gates"), terminal_size=size, run_before=run_before)
