"""Task metrics: accuracy, exact match, and entity-level precision / recall / F1 as conlleval counts them.

Public API::

    accuracy(predicted, gold) -> float
    exact_match(predicted, gold) -> float                   # whole strings equal
    entity_spans(tags) -> list[(start, end, type)]          # BIO chunks, end inclusive
    EntityScores(precision, recall, f1, correct, predicted, gold, per_type)
    entity_scores(gold_sequences, predicted_sequences) -> EntityScores

Entities (the CoNLL-2000/2003 ``conlleval`` script's definition, BIO tags):

- a chunk *starts* at ``B-X``, and at ``I-X`` when no chunk of type X is open (after ``O``, at the
  start of a sentence, or after a chunk of another type: ``O I-PER`` is a PER chunk);
- a chunk *ends* before ``B-``, before ``O``, before a tag of another type, and at the end of a
  sentence;
- a predicted entity is correct only when a gold entity has exactly the same first token, last
  token and type. Half-found names and right spans with the wrong type count as wrong.

``precision = correct / predicted``, ``recall = correct / gold``, ``F1 = 2PR / (P + R)``; each is
0 when its denominator is 0 (conlleval prints 0.00 there too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from engine.errors import InputError


def accuracy(predicted: Sequence[object], gold: Sequence[object]) -> float:
    """Share of positions where ``predicted`` equals ``gold`` (NaN for empty inputs)."""
    if len(predicted) != len(gold):
        raise InputError(f"{len(predicted)} predictions for {len(gold)} gold labels; they must match one to one")
    if not gold:
        return float("nan")
    return sum(p == g for p, g in zip(predicted, gold)) / len(gold)


exact_match = accuracy
"""For strings: the share of outputs identical to the reference, character for character."""


def _split(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not kind:
        raise InputError(f"{tag!r} is not a BIO tag (O, B-type or I-type)")
    return prefix, kind


def entity_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """The chunks of one sentence as ``(first token, last token, type)``, in order."""
    spans: list[tuple[int, int, str]] = []
    start: int | None = None
    kind = ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, t = _split(tag)
        if start is not None and (prefix in ("B", "O") or t != kind):  # the open chunk ends before i
            spans.append((start, i - 1, kind))
            start = None
        if prefix == "B" or (prefix == "I" and start is None):  # a chunk starts at i
            start, kind = i, t
    return spans


@dataclass(frozen=True)
class EntityScores:
    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int
    per_type: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    """type → (precision, recall, F1, gold count)."""


def _prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> EntityScores:
    """Entity-level scores over sentences (each a sequence of BIO tags of one length)."""
    if len(gold) != len(predicted):
        raise InputError(f"{len(predicted)} predicted sentences for {len(gold)} gold ones")
    correct = n_pred = n_gold = 0
    by_type: dict[str, list[int]] = {}
    for g_tags, p_tags in zip(gold, predicted):
        if len(g_tags) != len(p_tags):
            raise InputError(f"a sentence has {len(g_tags)} gold tags but {len(p_tags)} predicted ones")
        g_spans, p_spans = set(entity_spans(g_tags)), set(entity_spans(p_tags))
        hits = g_spans & p_spans
        correct, n_pred, n_gold = correct + len(hits), n_pred + len(p_spans), n_gold + len(g_spans)
        for spans, slot in ((hits, 0), (p_spans, 1), (g_spans, 2)):
            for _, _, kind in spans:
                by_type.setdefault(kind, [0, 0, 0])[slot] += 1
    p, r, f = _prf(correct, n_pred, n_gold)
    per_type = {k: (*_prf(*v), v[2]) for k, v in sorted(by_type.items())}
    return EntityScores(p, r, f, correct, n_pred, n_gold, per_type)
