"""Averaging vs a many-to-one RNN on the same split, and on sentences that turn on a negation.

Public API::

    NEGATIONS                                      # ((sentence, "negative" | "positive"), …), curated
    ORDER_PAIRS                                    # same words, other order, opposite meaning
    compare_sentiment(config, stop=None, *, negations=NEGATIONS, max_disagreements=20,
                      out=None) -> Iterator[Event]
    compare_models(average, rnn, negations=NEGATIONS, max_disagreements=20) -> Compared

The course's point: the average of the words' embeddings is a bag of words. "not good" holds
"good", so its average leans positive; "not bad at all" holds "bad". An RNN reads the words in
order and can learn that "not" flips what follows. :data:`NEGATIONS` is a small hand-written
set of such sentences, each with the label a person would give it; it is not taken from the
training data. :data:`ORDER_PAIRS` makes the point without any luck involved: "good , not bad"
and "bad , not good" hold the same words, so the averaging model must give them the same
probability (one of the two is then wrong), while the RNN is free to tell them apart.
The two models are trained with the same data, split, embeddings and seeds
(``config`` with ``model`` set to "average" and to "rnn"), and scored on the same held-out test
sentences; the result reports whatever the numbers are — on a given run the RNN need not win.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from engine.errors import InputError
from engine.events import Event
from engine.tasks.config import TaskConfig
from engine.tasks.events import Compared, Disagreement, NegationResult, OrderPair, PartStarted, TaskFinished
from engine.tasks.sentiment import SentimentTask
from engine.tasks.sentiment_data import LABELS
from engine.tasks.training import build_task, train_task

NEGATIONS: tuple[tuple[str, str], ...] = (
    ("not good", "negative"),
    ("it was not good at all", "negative"),
    ("completely lacking in good taste", "negative"),
    ("I did not like it", "negative"),
    ("the acting is not great", "negative"),
    ("this movie is not funny", "negative"),
    ("I would not recommend it to anyone", "negative"),
    ("nothing good can be said about this film", "negative"),
    ("it never manages to be interesting", "negative"),
    ("far from the best film of the year", "negative"),
    ("not worth the price of a ticket", "negative"),
    ("the story is not original and not clever", "negative"),
    ("not bad at all", "positive"),
    ("not a bad film", "positive"),
    ("it is never boring", "positive"),
    ("I did not expect to love it this much", "positive"),
    ("it never fails to entertain", "positive"),
    ("there is nothing to dislike here", "positive"),
    ("the jokes are not stupid , they are clever", "positive"),
    ("you will not be disappointed", "positive"),
)


ORDER_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("good , not bad", "positive", "bad , not good", "negative"),
    ("it is not boring , it is fun", "positive", "it is not fun , it is boring", "negative"),
    ("not dull at all , great", "positive", "not great at all , dull", "negative"),
    ("the first half is bad but the ending is good", "positive", "the first half is good but the ending is bad", "negative"),
)
"""Pairs of sentences with the same words (the same bag) in another order and opposite meanings.
The averaging model gives both sentences of a pair the same probability, whatever it learned."""


def compare_models(average: SentimentTask, rnn: SentimentTask, negations: tuple[tuple[str, str], ...] = NEGATIONS,
                   max_disagreements: int = 20,
                   order_pairs: tuple[tuple[str, str, str, str], ...] = ORDER_PAIRS) -> Compared:
    """Score two trained sentiment models on their (shared) test split and on ``negations``."""
    p_avg, gold = average.probabilities("test")
    p_rnn, gold_rnn = rnn.probabilities("test")
    if not np.array_equal(gold, gold_rnn) or average.texts("test") != rnn.texts("test"):
        raise InputError("the two models were not trained on the same split; give both the same data, split_seed "
                         "and fractions")
    y_avg, y_rnn = p_avg.argmax(1), p_rnn.argmax(1)
    differ = np.flatnonzero(y_avg != y_rnn)
    texts = average.texts("test")
    disagreements = tuple(
        Disagreement(texts[i], LABELS[gold[i]], LABELS[y_avg[i]], LABELS[y_rnn[i]], float(p_avg[i, 1]), float(p_rnn[i, 1]))
        for i in differ[:max_disagreements]
    )
    sentences = [s for s, _ in negations]
    n_avg, n_rnn = average.predict_many(sentences), rnn.predict_many(sentences)
    neg = tuple(NegationResult(s, g, float(a), float(r)) for (s, g), a, r in zip(negations, n_avg, n_rnn))

    def neg_accuracy(probs: np.ndarray) -> float:
        return float(np.mean([(p >= 0.5) == (g == "positive") for p, (_, g) in zip(probs, negations)])) if negations else float("nan")

    texts_ab = [t for a, _, b, _ in order_pairs for t in (a, b)]
    o_avg, o_rnn = average.predict_many(texts_ab), rnn.predict_many(texts_ab)
    pairs = tuple(OrderPair(a, b, ga, gb, (float(o_avg[2 * i]), float(o_avg[2 * i + 1])),
                            (float(o_rnn[2 * i]), float(o_rnn[2 * i + 1])))
                  for i, (a, ga, b, gb) in enumerate(order_pairs))
    return Compared(
        accuracy_average=float((y_avg == gold).mean()), accuracy_rnn=float((y_rnn == gold).mean()),
        test_size=int(len(gold)), disagreements=disagreements, n_disagreements=int(len(differ)), negations=neg,
        negation_accuracy_average=neg_accuracy(n_avg), negation_accuracy_rnn=neg_accuracy(n_rnn), order_pairs=pairs,
    )


def compare_sentiment(
    config: TaskConfig,
    stop: threading.Event | None = None,
    *,
    negations: tuple[tuple[str, str], ...] = NEGATIONS,
    max_disagreements: int = 20,
    out: str | None = None,
) -> Iterator[Event]:
    """Train averaging and the RNN of ``config`` on the same split, then yield :class:`Compared`.

    Events: ``PartStarted(1, 2, "average")``, that run's events, ``PartStarted(2, 2, "rnn")``,
    its events, ``Compared``. With ``out``, the checkpoints go to ``out/average`` and ``out/rnn``.
    A stop during either run ends the generator after that run's ``TaskFinished`` (no comparison).
    """
    stop = stop or threading.Event()
    base = replace(config, task="sentiment")
    trained: list[SentimentTask] = []
    paths: list[str] = []
    for index, model in enumerate(("average", "rnn"), start=1):
        cfg = replace(base, model=model, out=str(Path(out) / model) if out else None)
        yield PartStarted(index=index, total=2, name=model)
        task = build_task(cfg)
        finished = None
        for event in train_task(cfg, stop, task=task):
            if isinstance(event, TaskFinished):
                finished = event
            yield event
        if finished is None or finished.reason != "completed":
            return
        trained.append(task)  # type: ignore[arg-type]
        if finished.checkpoint:
            paths.append(finished.checkpoint)
    result = compare_models(trained[0], trained[1], negations, max_disagreements)
    yield replace(result, checkpoints=tuple(paths))
