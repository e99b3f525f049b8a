"""Accuracy and entity-level precision / recall / F1 (conlleval's definition), against hand counts."""

from __future__ import annotations

import math

import pytest

from engine.errors import InputError
from engine.tasks.metrics import accuracy, entity_scores, entity_spans, exact_match


def test_accuracy_and_exact_match():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert exact_match(["2026-03-25", "2026-03-05"], ["2026-03-25", "2026-03-25"]) == 0.5
    assert math.isnan(accuracy([], []))
    with pytest.raises(InputError):
        accuracy([1], [1, 0])


@pytest.mark.parametrize(
    "tags, spans",
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [(0, 1, "PER"), (3, 3, "LOC")]),  # entity at the sentence end
        (["O", "I-PER", "I-PER", "O"], [(1, 2, "PER")]),  # I- without B- starts a chunk
        (["I-PER"], [(0, 0, "PER")]),  # ... also at the sentence start
        (["B-PER", "I-LOC", "I-LOC"], [(0, 0, "PER"), (1, 2, "LOC")]),  # a type change ends one, starts another
        (["B-PER", "B-PER", "I-PER"], [(0, 0, "PER"), (1, 2, "PER")]),  # B- after B- of the same type
        (["O", "O"], []),
    ],
)
def test_entity_spans(tags, spans):
    assert entity_spans(tags) == spans


def test_entity_scores_hand_computed():
    gold = [
        ["B-PER", "I-PER", "O", "B-LOC"],  # PER 0-1, LOC 3
        ["O", "B-ORG", "I-ORG", "O"],  # ORG 1-2
    ]
    pred = [
        ["B-PER", "I-PER", "O", "B-ORG"],  # PER right; type mismatch on 3 (ORG vs LOC): wrong
        ["O", "I-ORG", "O", "O"],  # I- without B-: ORG 1-1, half the gold span: wrong
    ]
    s = entity_scores(gold, pred)
    assert (s.correct, s.predicted, s.gold) == (1, 3, 3)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3) and s.f1 == pytest.approx(1 / 3)
    assert s.per_type["PER"] == (1.0, 1.0, 1.0, 1)
    assert s.per_type["LOC"] == (0.0, 0.0, 0.0, 1)
    assert s.per_type["ORG"][:3] == (0.0, 0.0, 0.0) and s.per_type["ORG"][3] == 1


def test_entity_scores_precision_recall_differ_and_edge_cases():
    gold = [["B-PER", "O", "B-LOC", "I-LOC"]]
    pred = [["B-PER", "O", "O", "O"]]  # one right, one missed
    s = entity_scores(gold, pred)
    assert (s.precision, s.recall) == (1.0, 0.5) and s.f1 == pytest.approx(2 / 3)
    none = entity_scores(gold, [["O"] * 4])
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0)  # no prediction: 0, as conlleval prints
    with pytest.raises(InputError, match="BIO"):
        entity_scores([["X-PER"]], [["O"]])
    with pytest.raises(InputError):
        entity_scores([["O", "O"]], [["O"]])
