"""The agreement task: labels right by construction, checked by re-parsing the tokens."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InputError
from engine.gradients.agreement import VOCAB, AgreementTask, decode

# An independent grammar, written here and not imported: plural nouns of the task's vocabulary.
PLURAL = {"cats", "dogs", "birds", "children", "teachers", "farmers", "horses", "students"}
SINGULAR = {"cat", "dog", "bird", "child", "teacher", "farmer", "horse", "student"}


def _parse(tokens):
    """(subject, verb, gap) of 'the NOUN which … VERB'."""
    assert tokens[0] == "the" and tokens[2] == "which"
    return tokens[1], tokens[-1], len(tokens) - 3


@pytest.mark.parametrize("distance", [1, 2, 7, 40])
def test_labels_agree_with_the_subject(distance):
    task = AgreementTask(distance)
    for ex in task.examples(300, seed=distance):
        subject, verb, gap = _parse(ex.tokens)
        assert gap == distance  # tokens strictly between subject and verb
        assert subject in PLURAL | SINGULAR
        assert verb == ("were" if subject in PLURAL else "was")
        assert ex.label == (1 if subject in PLURAL else 0)
        assert not (set(ex.tokens[2:-1]) & (PLURAL | SINGULAR | {"was", "were"}))  # no attractors by default


def test_batches_encode_the_examples_and_are_seeded():
    task = AgreementTask(5)
    x, y = task.fixed_set(50, seed=3)
    assert x.shape == (50, task.input_length) and y.shape == (50,)
    for row, label, ex in zip(x, y, task.examples(50, seed=3)):
        assert decode(row) == ex.inputs and label == ex.label
    np.testing.assert_array_equal(x, task.fixed_set(50, seed=3)[0])
    assert not np.array_equal(x, task.fixed_set(50, seed=4)[0])
    assert 0.3 < y.mean() < 0.7  # both numbers occur
    assert x.max() < len(VOCAB)


def test_attractors_keep_labels_on_the_subject():
    task = AgreementTask(12, attractors=0.5)
    seen_attractor = False
    for ex in task.examples(200, seed=0):
        subject, verb, _ = _parse(ex.tokens)
        seen_attractor |= bool(set(ex.tokens[3:-1]) & (PLURAL | SINGULAR))
        assert verb == ("were" if subject in PLURAL else "was")
    assert seen_attractor


@pytest.mark.parametrize("bad", [0, -3, 1001, 2.5, True])
def test_bad_distance(bad):
    with pytest.raises(InputError, match="distance"):
        AgreementTask(bad)


def test_bad_attractors():
    with pytest.raises(InputError, match="attractors"):
        AgreementTask(3, attractors=1.5)
