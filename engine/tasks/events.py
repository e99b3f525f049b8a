"""Events of the task generators, beside the project's own (:mod:`engine.events`).

A task-training run (:func:`engine.tasks.training.train_task`) yields, in order::

    Started                      engine.events: total_steps, device, description
    Step …                       engine.events: loss, smoothed loss, gradient norm, tokens/s (rate-bounded)
    TaskEvaluated …              after every epoch: validation loss and the task's metric(s)
    Saved …                      engine.events: when ``out`` is set, each time the kept weights change
    TaskFinished                 reason, the test-set metric(s) of the kept weights, the checkpoint

:class:`TaskEvaluated` is an :class:`~engine.events.Evaluated` and :class:`TaskFinished` a
:class:`~engine.events.Finished`, so a consumer of language-model training (the Train screen's
loss chart, the CLI's progress) understands them as they are. ``compare`` and ``curve`` wrap
the runs they make in :class:`PartStarted` and end with :class:`Compared` / :class:`CurvePoint`
and :class:`CurveFinished`. Only numbers, strings and tuples: no tensors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.events import Evaluated, Event, Finished


@dataclass(frozen=True)
class TaskEvaluated(Evaluated):
    """Validation figures at ``step`` (end of ``epoch``); ``val_loss`` is the mean cross-entropy (nats)."""

    epoch: int = 0
    metric: str = "accuracy"
    """The task's headline metric: accuracy (sentiment), f1 (ner, entity level) or exact_match (dates)."""
    value: float = float("nan")
    """Its value on the validation set, in [0, 1]."""
    metrics: tuple[tuple[str, float], ...] = ()
    """Every metric computed, as (name, value) pairs (ner: f1, precision, recall, token accuracy)."""
    train_loss: float = float("nan")
    """Mean training loss over the epoch."""
    best: bool = False
    """True when these weights are the best so far (the ones ``keep="best"`` keeps)."""


@dataclass(frozen=True)
class TaskFinished(Finished):
    """The end of a run, with the kept weights' scores on the held-out test set."""

    task: str = ""
    metric: str = "accuracy"
    test_value: float | None = None
    """The headline metric on the test set (None when the run stopped before any training)."""
    test_metrics: tuple[tuple[str, float], ...] = ()
    best_epoch: int = 0


@dataclass(frozen=True)
class PartStarted(Event):
    """A generator that trains several models (compare, curve) begins one of them."""

    index: int
    """1-based."""
    total: int
    name: str
    """e.g. "average", "rnn", "glove n=200"."""


@dataclass(frozen=True)
class Disagreement:
    text: str
    gold: str
    """The true label."""
    average: str
    rnn: str
    p_average: float
    """P(positive) under the averaging model."""
    p_rnn: float


@dataclass(frozen=True)
class NegationResult:
    text: str
    gold: str
    p_average: float
    """P(positive) under the averaging model."""
    p_rnn: float


@dataclass(frozen=True)
class OrderPair:
    """Two sentences made of the same words in another order, with opposite meanings."""

    first: str
    second: str
    gold_first: str
    gold_second: str
    p_average: tuple[float, float]
    """P(positive) of each under the averaging model: equal, since it reads a bag of words."""
    p_rnn: tuple[float, float]


@dataclass(frozen=True)
class Compared(Event):
    """Averaging vs the RNN on the same split: accuracy each, disagreements, the negation set."""

    accuracy_average: float
    accuracy_rnn: float
    test_size: int
    disagreements: tuple[Disagreement, ...]
    """Test sentences the two models label differently (at most ``max_disagreements``)."""
    n_disagreements: int
    negations: tuple[NegationResult, ...]
    negation_accuracy_average: float
    negation_accuracy_rnn: float
    order_pairs: tuple[OrderPair, ...] = ()
    """Same words, other order, other meaning: averaging must answer both alike."""
    checkpoints: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CurvePoint(Event):
    """One point of a learning curve: a model trained on ``size`` examples with ``init`` embeddings."""

    size: int
    init: str
    """"glove" (or the vectors' folder or file name) or "random"."""
    metric: str
    value: float
    """Test-set value of ``metric``."""
    epochs: int


@dataclass(frozen=True)
class CurveFinished(Event):
    points: tuple[CurvePoint, ...]
    reason: str = "completed"
