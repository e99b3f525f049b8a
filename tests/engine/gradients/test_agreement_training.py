"""The RNN/GRU/LSTM race: equal budgets, events in order, stop honoured, LSTM beats RNN far away."""

from __future__ import annotations

import threading

import pytest
import torch

from engine.errors import InputError
from engine.events import Finished, Started
from engine.gradients.agreement_training import (
    AgreementClassifier,
    AgreementTrainConfig,
    bias_gates_to_remember,
    count_parameters,
    final_accuracies,
    hidden_size_for_budget,
    train_agreement,
)
from engine.gradients.events import AgreementEvaluated, AgreementModel


@pytest.mark.parametrize("kind", ["rnn", "gru", "gru-course", "gru-simple", "lstm", "lstm-peephole"])
def test_budget_is_the_largest_hidden_size_that_fits(kind):
    h = hidden_size_for_budget(kind, 2000, 30, 8)
    assert count_parameters(AgreementClassifier(kind, 30, 8, h)) <= 2000
    assert count_parameters(AgreementClassifier(kind, 30, 8, h + 1)) > 2000


def test_rnn_gets_more_units_than_lstm_under_one_budget():
    assert hidden_size_for_budget("rnn", 3000, 38, 16) > hidden_size_for_budget("lstm", 3000, 38, 16)


def test_gate_bias_opens_forget_and_closes_update():
    torch.manual_seed(0)
    m = AgreementClassifier("lstm", 10, 4, 3)
    before = m.recurrent.bias_ih_l0.detach().clone()
    bias_gates_to_remember(m.recurrent, 2.0)
    diff = m.recurrent.bias_ih_l0.detach() - before
    torch.testing.assert_close(diff, torch.tensor([-2.0] * 3 + [2.0] * 3 + [0.0] * 6))
    g = AgreementClassifier("gru-course", 10, 4, 3)
    gate = g.recurrent.cell(1).course_parameters()["b_u"].detach().clone()
    bias_gates_to_remember(g.recurrent, 2.0)
    torch.testing.assert_close(g.recurrent.cell(1).course_parameters()["b_u"].detach(), gate - 2.0)


def test_events_in_order_and_stop():
    config = AgreementTrainConfig(distance=3, cells=("rnn", "gru"), steps=6, eval_every=3, eval_size=16, batch_size=8)
    events = list(train_agreement(config))
    assert isinstance(events[0], Started)
    assert [type(e) for e in events[1:3]] == [AgreementModel, AgreementModel]
    evals = [e for e in events if isinstance(e, AgreementEvaluated)]
    assert [(e.cell, e.step) for e in evals] == [("rnn", 3), ("gru", 3), ("rnn", 6), ("gru", 6)]
    assert all(0 <= e.accuracy <= 1 for e in evals)
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    stop = threading.Event()
    gen = train_agreement(config, stop)
    next(gen)
    stop.set()
    rest = list(gen)
    assert isinstance(rest[-1], Finished) and rest[-1].reason == "stopped" and rest[-1].step == 0


def test_lstm_beats_rnn_at_a_long_distance():
    """A short seeded race at d = 30: the LSTM learns the agreement, the RNN stays near chance."""
    torch.set_num_threads(1)
    config = AgreementTrainConfig(distance=30, cells=("rnn", "lstm"), steps=150, eval_every=150, eval_size=200,
                                  budget=2000, seed=0)
    acc = final_accuracies(list(train_agreement(config)))
    assert acc["lstm"] >= 0.9
    assert acc["rnn"] <= 0.7
    assert acc["lstm"] - acc["rnn"] >= 0.25


@pytest.mark.parametrize(
    "kwargs, match",
    [({"cells": ("rnn", "tree")}, "cell"), ({"cells": ()}, "cells"), ({"steps": 0}, "steps"),
     ({"distance": 0}, "distance"), ({"learning_rate": 0}, "learning_rate"), ({"cells": ("rnn", "rnn")}, "repeat"),
     ({"clip_norm": -1.0}, "clip_norm")],
)
def test_bad_config(kwargs, match):
    with pytest.raises(InputError, match=match):
        AgreementTrainConfig(**kwargs)


def test_profile_yields_ribbons_of_the_trained_models():
    from engine.gradients.events import GradientsThroughTime

    config = AgreementTrainConfig(distance=4, cells=("rnn", "gru-course"), steps=4, eval_every=2, eval_size=8,
                                  batch_size=4, profile=True)
    events = list(train_agreement(config))
    ribbons = [e for e in events if isinstance(e, GradientsThroughTime)]
    assert [(r.cell, r.method) for r in ribbons] == [("rnn", "bptt"), ("gru-course", "autograd")] * 2
    assert all(len(r.top().a) == 6 for r in ribbons)
    models = [e for e in events if isinstance(e, AgreementModel)]
    assert "Course GRU" in models[1].note


def test_example_profiles_of_fresh_models():
    from engine.gradients.agreement_training import example_profiles

    out = list(example_profiles(10, ("rnn", "gru", "lstm"), hidden_size=8))
    assert [p.cell for p in out] == ["rnn", "gru", "lstm"]
    assert out[0].tokens == out[2].tokens and len(out[0].tokens) == 12
    assert out[2].top().c is not None and out[0].top().c is None
    stop = threading.Event()
    stop.set()
    assert list(example_profiles(10, ("rnn",), stop=stop)) == []
    with pytest.raises(InputError, match="cell"):
        list(example_profiles(10, ("rnn", "tree")))
