"""Debiasing: the course's recipe on raw vectors (and GloVe's printed numbers), its unit-vector
revision, and the paper's PCA; neutral words end orthogonal to g, equalized pairs equidistant.

The references are numpy written here from the course's equations, not the engine's code.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.embeddings.debias import (
    METHODS,
    bias_direction,
    debias_report,
    debiased_vectors,
    equalize,
    equalize_unit,
    neutralize,
)
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError


def unit(v):
    return v / np.linalg.norm(v)


def cos(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def course_neutralize(e, g):
    """e_bias = (e·g / ‖g‖²) g;  e_debiased = e − e_bias."""
    e_bias = np.dot(e, g) / np.sum(g * g) * g
    return e - e_bias


def course_equalize(e_w1, e_w2, g):
    """The course's equalize: μ, μ_B, μ_⊥, e_w1B, e_w2B and the corrected e_w1B', e_w2B'."""
    mu = (e_w1 + e_w2) / 2
    mu_B = np.dot(mu, g) / np.sum(g * g) * g
    mu_orth = mu - mu_B
    e_w1B = np.dot(e_w1, g) / np.sum(g * g) * g
    e_w2B = np.dot(e_w2, g) / np.sum(g * g) * g
    corrected_e_w1B = np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth))) * (e_w1B - mu_B) / np.linalg.norm(
        (e_w1 - mu_orth) - mu_B)
    corrected_e_w2B = np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth))) * (e_w2B - mu_B) / np.linalg.norm(
        (e_w2 - mu_orth) - mu_B)
    return corrected_e_w1B + mu_orth, corrected_e_w2B + mu_orth


@pytest.fixture(scope="module")
def wv():
    rng = np.random.default_rng(11)
    d = 16
    gender = rng.normal(size=d)
    words, vecs = [], []
    for a, b in [("woman", "man"), ("she", "he"), ("girl", "boy"), ("mother", "father"), ("actress", "actor")]:
        base = rng.normal(size=d)
        scale = rng.uniform(0.5, 3.0)  # raw vectors of different lengths: raw and unit recipes differ
        words += [a, b]
        vecs += [scale * (base + gender + 0.2 * rng.normal(size=d)), base - gender + 0.2 * rng.normal(size=d)]
    for w in ["nurse", "engineer", "receptionist", "doctor"]:
        words.append(w)
        vecs.append(rng.normal(size=d) + rng.uniform(-0.8, 0.8) * gender)
    return WordVectors(words, np.array(vecs, dtype=np.float32))


def raw(wv, w):
    return wv.vector(w).astype(np.float64)


PAIRS = [("woman", "man"), ("she", "he"), ("girl", "boy"), ("mother", "father")]
NEUTRAL = ["nurse", "engineer", "receptionist", "doctor"]


def test_difference_is_the_course_g_on_raw_vectors(wv):
    g = bias_direction(wv, PAIRS)  # the default recipe is the course's
    np.testing.assert_allclose(g, raw(wv, "woman") - raw(wv, "man"), atol=1e-6)
    g_unit = bias_direction(wv, PAIRS, method="unit-difference")
    np.testing.assert_allclose(g_unit, unit(raw(wv, "woman")) - unit(raw(wv, "man")), atol=1e-6)
    assert abs(cos(g, g_unit)) < 0.999  # the two directions really differ on vectors of unequal length


def test_pca_direction_matches_numpy_reference(wv):
    rows = []
    for a, b in PAIRS:
        ea, eb = unit(raw(wv, a)), unit(raw(wv, b))
        rows += [(ea - eb) / 2, (eb - ea) / 2]
    m = np.array(rows)
    # first principal component = top eigenvector of MᵀM (the pairs are already centred)
    vals, vecs = np.linalg.eigh(m.T @ m)
    ref = vecs[:, -1]
    ref *= np.sign(ref @ (unit(raw(wv, "woman")) - unit(raw(wv, "man"))))
    g = bias_direction(wv, PAIRS, method="pca")
    np.testing.assert_allclose(g, ref, atol=1e-6)
    assert np.linalg.norm(g) == pytest.approx(1.0)


def test_neutralize_is_the_course_formula(wv):
    g = bias_direction(wv, PAIRS)
    e = raw(wv, "nurse")
    np.testing.assert_allclose(neutralize(e, g), course_neutralize(e, g), atol=1e-12)
    np.testing.assert_allclose(neutralize(e, 3.0 * g), course_neutralize(e, g), atol=1e-12)  # any scale of g
    assert neutralize(e, g) @ g == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("first, second", [("actress", "actor"), ("woman", "man"), ("actor", "actress")])
def test_equalize_is_the_course_formula_on_raw_vectors(wv, first, second):
    g = bias_direction(wv, PAIRS)
    e1, e2 = raw(wv, first), raw(wv, second)
    n1, n2 = equalize(e1, e2, g)
    r1, r2 = course_equalize(e1, e2, g)
    np.testing.assert_allclose(n1, r1, atol=1e-10)
    np.testing.assert_allclose(n2, r2, atol=1e-10)
    # equal and opposite projections on g, equal lengths, equidistant from every neutralized word
    assert n1 @ g == pytest.approx(-(n2 @ g), rel=1e-9)
    assert np.linalg.norm(n1) == pytest.approx(np.linalg.norm(n2), rel=1e-9)
    assert cos(n1, g) == pytest.approx(-cos(n2, g), abs=1e-12)
    assert np.sign(n1 @ g) == np.sign((e1 - e2) @ g)  # each word stays on its side
    for word in NEUTRAL:
        n = course_neutralize(raw(wv, word), g)
        assert cos(n, n1) == pytest.approx(cos(n, n2), abs=1e-12)


def test_equalize_unit_keeps_unit_length(wv):
    g = bias_direction(wv, PAIRS, method="pca")
    e1, e2 = raw(wv, "actress"), raw(wv, "actor")
    n1, n2 = equalize_unit(e1, e2, g)
    u1, u2 = unit(e1), unit(e2)
    mu = (u1 + u2) / 2
    nu = mu - (mu @ g) * g
    h = np.sqrt(1 - nu @ nu)
    np.testing.assert_allclose(n1, nu + h * g, atol=1e-9)  # actress is on the +g side
    np.testing.assert_allclose(n2, nu - h * g, atol=1e-9)
    assert np.linalg.norm(n1) == pytest.approx(1.0) and np.linalg.norm(n2) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    for _ in range(5):  # any vector orthogonal to g
        n = neutralize(rng.normal(size=g.shape), g)
        assert n @ n1 == pytest.approx(n @ n2, abs=1e-12)


@pytest.mark.parametrize("method", list(METHODS))
def test_report_before_after_for_every_method(wv, method):
    report = debias_report(wv, PAIRS, neutral=["nurse", "engineer"], equalize=[("actress", "actor")], method=method)
    assert report.method == method
    g = report.g
    for word, before, after in report.neutral:
        assert before == pytest.approx(cos(raw(wv, word), g), abs=1e-6)  # a cosine: raw or unit alike
        assert after == pytest.approx(0.0, abs=1e-9)
    (w1, b1, a1), (w2, b2, a2) = report.equalized
    assert (w1, w2) == ("actress", "actor") and b1 > 0 > b2
    assert b1 == pytest.approx(cos(raw(wv, "actress"), g), abs=1e-6)
    assert a1 == pytest.approx(-a2) and a1 > 0


def test_report_of_the_course_recipe_follows_the_course_equations(wv):
    report = debias_report(wv, PAIRS, neutral=["nurse"], equalize=[("actress", "actor")])
    g = raw(wv, "woman") - raw(wv, "man")
    r1, r2 = course_equalize(raw(wv, "actress"), raw(wv, "actor"), g)
    assert report.equalized[0][2] == pytest.approx(cos(r1, g), abs=1e-9)
    assert report.equalized[1][2] == pytest.approx(cos(r2, g), abs=1e-9)
    assert report.direction == "g = e_woman − e_man (raw vectors)"
    unit_report = debias_report(wv, PAIRS, equalize=[("actress", "actor")], method="unit-difference")
    gu = unit(raw(wv, "woman")) - unit(raw(wv, "man"))
    u1, _ = course_equalize(unit(raw(wv, "actress")), unit(raw(wv, "actor")), gu)
    assert unit_report.equalized[0][2] == pytest.approx(cos(u1, gu), abs=1e-9)
    assert unit_report.equalized[0][2] != pytest.approx(report.equalized[0][2], abs=1e-3)


@pytest.mark.parametrize("method", list(METHODS))
def test_debiased_vectors(wv, method):
    g = bias_direction(wv, PAIRS, method=method)
    out = debiased_vectors(wv, g, ["nurse", "doctor"], [("actress", "actor")], method=method)
    assert cos(out.vector("nurse").astype(float), g) == pytest.approx(0.0, abs=1e-6)
    assert out.similarity("nurse", "actress") == pytest.approx(out.similarity("nurse", "actor"), abs=1e-5)
    assert cos(raw(wv, "nurse"), g) != pytest.approx(0.0, abs=1e-3)  # the input is untouched


def test_errors(wv):
    with pytest.raises(InputError, match="at least one"):
        bias_direction(wv, [])
    with pytest.raises(InputError, match="method must be one of difference, unit-difference, pca"):
        bias_direction(wv, PAIRS, method="svd")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not in the vocabulary"):
        bias_direction(wv, [("woman", "mann")])


# -- the course's own numbers, on the bundled GloVe 6B 50d (the course's vectors) -----------------

COURSE_COSINES = {  # the course notebook's printed cos(e_w, g), g = e_woman − e_man
    "john": -0.23163356145973724, "marie": 0.315597935396073, "sophie": 0.31868789859418784,
    "ronaldo": -0.31244796850329437, "priya": 0.17632041839009402, "rahul": -0.16915471039231716,
    "danielle": 0.24393299216283895, "reza": -0.07930429672199553, "katy": 0.2831068659572615,
    "yasmin": 0.2331385776792876, "lipstick": 0.276919162564, "guns": -0.18884855678,
    "science": -0.0608290654093, "arts": 0.00818931238588, "literature": 0.0647250443346,
    "warrior": -0.209201646411, "doctor": 0.118952894109, "tree": -0.0708939917548,
    "receptionist": 0.330779417506, "technology": -0.131937324476, "fashion": 0.0356389462577,
    "teacher": 0.179209234318, "engineer": -0.0803928049452, "pilot": 0.00107644989919,
    "computer": -0.103303588739, "singer": 0.185005181365,
}


@pytest.fixture(scope="module")
def glove():
    from engine.embeddings.glove import load_glove

    return load_glove()


def test_glove_reproduces_the_course_numbers(glove):
    g = bias_direction(glove, [("woman", "man")])
    np.testing.assert_allclose(g[:3], [-0.087144, 0.2182, -0.40986], atol=1e-5)  # the course prints g
    report = debias_report(glove, [("woman", "man")], neutral=list(COURSE_COSINES),
                           equalize=[("man", "woman"), ("actor", "actress"), ("grandmother", "grandfather")])
    for word, before, after in report.neutral:
        assert before == pytest.approx(COURSE_COSINES[word], abs=1e-6), word
        assert after == pytest.approx(0.0, abs=1e-9), word  # neutralized: the course prints ~1e-17
    rows = {w: (b, a) for w, b, a in report.equalized}
    assert rows["man"][0] == pytest.approx(-0.117110957653, abs=1e-6)  # the course's "before equalizing"
    assert rows["woman"][0] == pytest.approx(0.356666188463, abs=1e-6)
    assert rows["man"][1] == pytest.approx(-0.700436428931, abs=1e-6)  # and "after equalizing"
    assert rows["woman"][1] == pytest.approx(0.700436428931, abs=1e-6)
    for a, b in [("actor", "actress"), ("grandmother", "grandfather")]:
        assert rows[a][1] == pytest.approx(-rows[b][1], abs=1e-9)  # equal and opposite projections
        r1, r2 = course_equalize(raw(glove, a), raw(glove, b), g)
        for word in ("receptionist", "engineer", "doctor"):  # equidistant from neutralized words
            n = course_neutralize(raw(glove, word), g)
            assert cos(n, r1) == pytest.approx(cos(n, r2), abs=1e-9)
