"""compare (averaging vs RNN on one split, the negation set) and the learning curve, on tiny data."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.tasks.compare import NEGATIONS, compare_sentiment
from engine.tasks.curve import curve_epochs, learning_curve
from engine.tasks.events import Compared, CurveFinished, CurvePoint, PartStarted, TaskFinished
from tests.engine.tasks.conftest import tiny


def test_compare_trains_both_models_on_one_split(sentiment_file, tmp_path):
    events = list(compare_sentiment(tiny("sentiment", sentiment_file, epochs=2), out=str(tmp_path)))
    parts = [e.name for e in events if isinstance(e, PartStarted)]
    assert parts == ["average", "rnn"]
    result = events[-1]
    assert isinstance(result, Compared)
    finished = [e for e in events if isinstance(e, TaskFinished)]
    assert result.accuracy_average == finished[0].test_value and result.accuracy_rnn == finished[1].test_value
    assert result.n_disagreements >= len(result.disagreements)
    for d in result.disagreements:
        assert d.average != d.rnn and (d.p_average >= 0.5) == (d.average == "positive")
    assert len(result.negations) == len(NEGATIONS)
    assert all(0.0 <= n.p_average <= 1.0 and 0.0 <= n.p_rnn <= 1.0 for n in result.negations)
    assert result.checkpoints == (str(tmp_path / "average"), str(tmp_path / "rnn"))
    for pair in result.order_pairs:  # the same bag of words: the averaging model cannot tell them apart
        assert pair.p_average[0] == pytest.approx(pair.p_average[1], abs=1e-6)
    assert any(abs(p.p_rnn[0] - p.p_rnn[1]) > 1e-4 for p in result.order_pairs)  # the RNN reads the order


def test_compare_stops_without_a_comparison(sentiment_file):
    stop = threading.Event()
    stop.set()
    events = list(compare_sentiment(tiny("sentiment", sentiment_file), stop))
    assert not any(isinstance(e, Compared) for e in events) and events[-1].reason == "stopped"


def test_curve_epochs():
    assert curve_epochs(50, 32, 5, min_steps=150) == 75  # 2 steps an epoch
    assert curve_epochs(50, 32, 5) == 200  # capped at 200 epochs
    assert curve_epochs(10_000, 32, 5) == 5


def test_learning_curve_compares_pretrained_and_random_at_each_size(sentiment_file, tmp_path):
    from engine.embeddings.io import save_vectors
    from engine.embeddings.vectors import WordVectors

    words = ["good", "great", "bad", "awful", "not"]
    save_vectors(WordVectors(words, np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)), str(tmp_path / "v"))
    cfg = tiny("sentiment", sentiment_file, epochs=1, embeddings=str(tmp_path / "v"))
    events = list(learning_curve(cfg, sizes=(20, None), min_steps=4, max_epochs=2))
    points = [e for e in events if isinstance(e, CurvePoint)]
    assert [(p.size, p.init) for p in points] == [(20, "v"), (20, "random"), (192, "v"), (192, "random")]
    assert points[0].epochs == 2 and all(0.0 <= p.value <= 1.0 for p in points)
    assert isinstance(events[-1], CurveFinished) and events[-1].points == tuple(points)
