"""Debiasing (Bolukbasi et al. 2016): neutral words end orthogonal to g, equalized pairs equidistant."""

from __future__ import annotations

import numpy as np
import pytest

from engine.embeddings.debias import bias_direction, debias_report, debiased_vectors, equalize, neutralize
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError


def unit(v):
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def wv():
    rng = np.random.default_rng(11)
    d = 16
    gender = rng.normal(size=d)
    words, vecs = [], []
    for a, b in [("woman", "man"), ("she", "he"), ("girl", "boy"), ("mother", "father"), ("actress", "actor")]:
        base = rng.normal(size=d)
        words += [a, b]
        vecs += [base + gender + 0.2 * rng.normal(size=d), base - gender + 0.2 * rng.normal(size=d)]
    for w in ["nurse", "engineer", "receptionist", "doctor"]:
        words.append(w)
        vecs.append(rng.normal(size=d) + rng.uniform(-0.8, 0.8) * gender)
    return WordVectors(words, np.array(vecs, dtype=np.float32))


PAIRS = [("woman", "man"), ("she", "he"), ("girl", "boy"), ("mother", "father")]


def test_difference_direction_is_the_course_g(wv):
    g = bias_direction(wv, PAIRS, method="difference")
    ref = unit(unit(wv.vector("woman").astype(float)) - unit(wv.vector("man").astype(float)))
    np.testing.assert_allclose(g, ref, atol=1e-6)


def test_pca_direction_matches_numpy_reference(wv):
    rows = []
    for a, b in PAIRS:
        ea, eb = unit(wv.vector(a).astype(float)), unit(wv.vector(b).astype(float))
        rows += [(ea - eb) / 2, (eb - ea) / 2]
    m = np.array(rows)
    # first principal component = top eigenvector of MᵀM (the pairs are already centred)
    vals, vecs = np.linalg.eigh(m.T @ m)
    ref = vecs[:, -1]
    ref *= np.sign(ref @ (unit(wv.vector("woman").astype(float)) - unit(wv.vector("man").astype(float))))
    g = bias_direction(wv, PAIRS)
    np.testing.assert_allclose(g, ref, atol=1e-6)
    assert np.linalg.norm(g) == pytest.approx(1.0)


def test_neutralize_numbers_and_orthogonality(wv):
    g = bias_direction(wv, PAIRS)
    e = wv.vector("nurse").astype(float)
    out = neutralize(e, 3.0 * g)  # any scale of g
    np.testing.assert_allclose(out, e - (e @ g) * g, atol=1e-9)
    assert out @ g == pytest.approx(0.0, abs=1e-12)


def test_equalize_numbers_and_properties(wv):
    g = bias_direction(wv, PAIRS)
    e1, e2 = wv.vector("actress").astype(float), wv.vector("actor").astype(float)
    n1, n2 = equalize(e1, e2, g)
    u1, u2 = unit(e1), unit(e2)
    mu = (u1 + u2) / 2
    nu = mu - (mu @ g) * g
    h = np.sqrt(1 - nu @ nu)
    np.testing.assert_allclose(n1, nu + h * g, atol=1e-9)  # actress is on the +g side
    np.testing.assert_allclose(n2, nu - h * g, atol=1e-9)
    assert np.linalg.norm(n1) == pytest.approx(1.0) and np.linalg.norm(n2) == pytest.approx(1.0)
    assert n1 @ g == pytest.approx(-(n2 @ g))  # symmetric about the axis
    for word in ["nurse", "engineer", "receptionist", "doctor"]:
        n = neutralize(unit(wv.vector(word).astype(float)), g)
        assert n @ n1 == pytest.approx(n @ n2, abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):  # any vector orthogonal to g
        n = neutralize(rng.normal(size=g.shape), g)
        assert n @ n1 == pytest.approx(n @ n2, abs=1e-12)


def test_report_before_after(wv):
    report = debias_report(wv, PAIRS, neutral=["nurse", "engineer"], equalize=[("actress", "actor")])
    assert "principal component" in report.direction
    for word, before, after in report.neutral:
        assert before == pytest.approx(float(unit(wv.vector(word).astype(float)) @ report.g), abs=1e-6)
        assert after == pytest.approx(0.0, abs=1e-9)
    (w1, b1, a1), (w2, b2, a2) = report.equalized
    assert (w1, w2) == ("actress", "actor") and b1 > 0 > b2
    assert a1 == pytest.approx(-a2) and a1 > 0


def test_debiased_vectors(wv):
    g = bias_direction(wv, PAIRS)
    out = debiased_vectors(wv, g, ["nurse", "doctor"], [("actress", "actor")])
    assert out.vector("nurse").astype(float) @ g == pytest.approx(0.0, abs=1e-6)
    assert out.similarity("nurse", "actress") == pytest.approx(out.similarity("nurse", "actor"), abs=1e-6)
    assert wv.vector("nurse").astype(float) @ g != pytest.approx(0.0, abs=1e-3)  # the input is untouched


def test_errors(wv):
    with pytest.raises(InputError, match="at least one"):
        bias_direction(wv, [])
    with pytest.raises(InputError, match="method"):
        bias_direction(wv, PAIRS, method="svd")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not in the vocabulary"):
        bias_direction(wv, [("woman", "mann")])


def test_glove_gender_direction():
    from engine.embeddings.glove import load_glove

    glove = load_glove()
    report = debias_report(glove, [("woman", "man"), ("she", "he")], neutral=["receptionist"],
                           equalize=[("grandmother", "grandfather")], method="difference")
    (_, before, after), = report.neutral
    assert before > 0.1 and after == pytest.approx(0.0, abs=1e-9)  # receptionist leans female in GloVe
