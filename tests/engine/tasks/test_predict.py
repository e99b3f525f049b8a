"""What the CLI and the Tasks screen ask of a model: one sentence at a time, and the bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.tasks.training import build_task
from tests.engine.tasks.conftest import tiny


@pytest.fixture(scope="module")
def sentiment_rnn(tmp_path_factory):
    from tests.engine.tasks.conftest import sentiment_lines

    path = tmp_path_factory.mktemp("s") / "s.tsv"
    path.write_text("\n".join(sentiment_lines()) + "\n", encoding="utf-8")
    return build_task(tiny("sentiment", path))


def test_sentiment_prediction_and_prefix_probabilities(sentiment_rnn):
    pred = sentiment_rnn.predict("the film was not good")
    assert pred.tokens == ("the", "film", "was", "not", "good") and all(pred.known)
    probs = dict(pred.probabilities)
    assert set(probs) == {"negative", "positive"} and sum(probs.values()) == pytest.approx(1.0)
    reading = sentiment_rnn.prefix_probabilities("the film was not good")
    assert len(reading.positive) == 5
    assert reading.positive[-1] == pytest.approx(probs["positive"], abs=1e-6)  # the last prefix is the sentence
    tokens, trace = sentiment_rnn.trace("the film was not good")
    assert tokens == pred.tokens and trace.layer(1, "forward").a.shape == (1, 5, 8)


def test_bad_text_is_a_one_line_error(sentiment_rnn):
    with pytest.raises(InputError, match="empty"):
        sentiment_rnn.predict("   ")
    with pytest.raises(InputError, match="none of the words"):
        sentiment_rnn.predict("zzyzx qwfp")
    pred = sentiment_rnn.predict("the zzyzx film")  # some unknown words are fine, and flagged
    assert pred.known == (True, False, True)


def test_averaging_has_no_trace(sentiment_file):
    task = build_task(tiny("sentiment", sentiment_file, model="average"))
    with pytest.raises(InputError, match="no recurrent layer"):
        task.trace("good film")
    assert len(task.prefix_probabilities("good film").positive) == 2


@pytest.mark.parametrize("bidirectional", [False, True])
def test_teddy(conll_file, bidirectional):
    task = build_task(tiny("ner", conll_file, bidirectional=bidirectional))
    sentences = ("Anna Smith met Boris in Paris", "Anna in Lima today")  # words this tiny model knows
    report = task.teddy(sentences, word="Anna")
    assert report.positions == (0, 0)
    if bidirectional:
        assert report.max_difference > 0  # ←a⟨1⟩ has read the rest of each sentence
        tokens, trace = task.trace(sentences[0])
        assert [lt.direction for lt in trace.layers] == ["forward", "backward"]
    else:
        assert report.max_difference == 0.0  # →a⟨1⟩ has read "Teddy" only, in both
        with pytest.raises(InputError, match="forward-only"):
            task.by_direction(sentences[0])


def test_forward_only_tagger_ignores_the_future_at_every_position(conll_file):
    task = build_task(tiny("ner", conll_file, bidirectional=False))
    a = task.predict("i met Anna in Paris today").distribution
    b = task.predict("i met Anna in Lima again").distribution
    np.testing.assert_array_equal(a[:4], b[:4])
    assert not np.array_equal(a[4:], b[4:])


def test_dates_bad_input():
    task = build_task(tiny("dates", n_dates=300))
    with pytest.raises(InputError, match="empty"):
        task.translate("")
    with pytest.raises(InputError, match="none of the characters"):
        task.translate("ΩΩΩ")
    with pytest.raises(InputError, match="at most"):
        task.translate("1" * 100)
    torch.manual_seed(0)
    assert len(task.translate("3/25/26", beam_width=2).candidates) == 2
