"""Pretrained GloVe 6B 50d: the known values from the course, memory-mapped and fast to load."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.embeddings.glove import load_glove


@pytest.fixture(scope="module")
def glove():
    return load_glove()


def test_shape_and_order(glove):
    assert len(glove) == 400_000 and glove.dim == 50 and glove.name == "glove"
    assert glove.words[:3] == ("the", ",", ".")
    assert isinstance(glove.vectors, np.memmap) or not glove.vectors.flags.owndata
    assert not glove.vectors.flags.writeable


def test_known_cosines(glove):
    assert glove.similarity("father", "mother") == pytest.approx(0.8909, abs=5e-5)
    assert glove.similarity("ball", "crocodile") == pytest.approx(0.2744, abs=5e-5)


def test_man_woman_king_queen(glove):
    assert glove.analogy("man", "woman", "king", topn=1)[0][0] == "queen"
    assert glove.analogy("man", "woman", "king", topn=1, method="mul")[0][0] == "queen"


def test_load_is_cached_and_quick(glove):
    start = time.perf_counter()
    assert load_glove() is glove
    assert time.perf_counter() - start < 0.01
